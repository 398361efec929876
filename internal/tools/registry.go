package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var toolName = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)

// Registry holds the canonical tool definitions. A duplicate, a schema-less or
// a malformed definition is a start-up error, never a silent overwrite.
type Registry struct {
	mu      sync.RWMutex
	tools   map[string]*entry
	ordered []*Tool
}

type entry struct {
	tool   *Tool
	params *jsonschema.Schema
	quick  *quickArgs // nil when the parameters schema is beyond it
	result *jsonschema.Schema
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{tools: map[string]*entry{}} }

// Register adds t, compiling its schemas.
func (r *Registry) Register(t Tool) error {
	if !toolName.MatchString(t.Name) {
		return fmt.Errorf("tool %q: name must be snake_case", t.Name)
	}
	if t.Description == "" || t.Handler == nil {
		return fmt.Errorf("tool %q: description and handler are required", t.Name)
	}
	if len(t.Parameters) == 0 {
		return fmt.Errorf("tool %q: a parameters schema is required", t.Name)
	}
	params, err := compileSchema(t.Name+"/parameters", t.Parameters)
	if err != nil {
		return err
	}
	var result *jsonschema.Schema
	if len(t.ResultSchema) > 0 {
		if result, err = compileSchema(t.Name+"/result", t.ResultSchema); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.tools[t.Name]; dup {
		return fmt.Errorf("tool %q registered twice", t.Name)
	}
	tool := t
	r.tools[t.Name] = &entry{tool: &tool, params: params, quick: compileQuickArgs(t.Parameters), result: result}
	r.ordered = append(r.ordered, &tool)
	sort.Slice(r.ordered, func(i, j int) bool { return r.ordered[i].Name < r.ordered[j].Name })
	return nil
}

// MustRegister is Register for start-up code; it panics on a bad definition.
func (r *Registry) MustRegister(t Tool) {
	if err := r.Register(t); err != nil {
		panic(err)
	}
}

// Get returns the tool named name.
func (r *Registry) Get(name string) (*Tool, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.tools[name]
	if !ok {
		return nil, false
	}
	return e.tool, true
}

// All returns every tool, sorted by name.
func (r *Registry) All() []*Tool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*Tool(nil), r.ordered...)
}

// ForRole returns the tools role may use, sorted by name.
func (r *Registry) ForRole(role string) []*Tool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Tool, 0, len(r.ordered))
	for _, t := range r.ordered {
		if t.Allows(role) {
			out = append(out, t)
		}
	}
	return out
}

// ValidateArgs checks args against the tool's parameter schema. Usual
// arguments pass a quick check of their bytes (see quickArgs); the schema
// library decides, and words the error, for everything else.
func (r *Registry) ValidateArgs(name string, args json.RawMessage) error {
	r.mu.RLock()
	e, ok := r.tools[name]
	r.mu.RUnlock()
	if !ok {
		return fmt.Errorf("unknown tool %q", name)
	}
	if e.quick.accepts(args) {
		return nil
	}
	return validate(e.params, args)
}

// ValidateResult checks data against the tool's result schema, if it has one.
func (r *Registry) ValidateResult(name string, data any) error {
	r.mu.RLock()
	e, ok := r.tools[name]
	r.mu.RUnlock()
	if !ok || e.result == nil {
		return nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("result is not JSON: %w", err)
	}
	return validate(e.result, raw)
}

// ValidateResultJSON checks an already-marshalled result against the tool's
// result schema, if it has one.
func (r *Registry) ValidateResultJSON(name string, raw json.RawMessage) error {
	r.mu.RLock()
	e, ok := r.tools[name]
	r.mu.RUnlock()
	if !ok || e.result == nil {
		return nil
	}
	return validate(e.result, raw)
}

func compileSchema(url string, raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: schema is not JSON: %w", url, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return s, nil
}

func validate(s *jsonschema.Schema, raw json.RawMessage) error {
	if len(raw) == 0 {
		raw = json.RawMessage(`{}`)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("arguments are not valid JSON: %w", err)
	}
	return s.Validate(v)
}
