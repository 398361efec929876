package toolstest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/pamtravel/pam/internal/tools/admin"
	"github.com/pamtravel/pam/internal/tools/budget"
	"github.com/pamtravel/pam/internal/tools/calendar"
	"github.com/pamtravel/pam/internal/tools/fuel"
	"github.com/pamtravel/pam/internal/tools/knowledge"
	"github.com/pamtravel/pam/internal/tools/profile"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

// TestValidateArgsMatchesSchemaLibrary holds every registered tool's argument
// check (quick or not) to the schema library's verdict and error, over the
// argument corpus and arguments made from each tool's own properties.
func TestValidateArgsMatchesSchemaLibrary(t *testing.T) {
	h := toolstest.New(t, budget.Register, fuel.Register, calendar.Register, profile.Register, knowledge.Register, admin.Register)
	seeds, err := os.ReadFile("../testdata/args_seeds.txt")
	if err != nil {
		t.Fatal(err)
	}
	corpus := strings.Split(strings.TrimSpace(string(seeds)), "\n")
	for _, tl := range h.Reg.All() {
		lib := compile(t, tl.Name+"/parameters", tl.Parameters)
		docs := append(slices.Clone(corpus), propertyArgs(t, tl.Parameters)...)
		for _, doc := range docs {
			want := validate(lib, doc)
			got := h.Reg.ValidateArgs(tl.Name, json.RawMessage(doc))
			if (got == nil) != (want == nil) || got != nil && sortedWords(got.Error()) != sortedWords(want.Error()) {
				t.Errorf("%s %s: ValidateArgs = %v, library = %v", tl.Name, doc, got, want)
			}
		}
	}
}

// TestQuickArgsSchemaIsCreateExpense keeps the tools package's copy of
// create_expense's schema, which its quick-check tests use, the real one.
func TestQuickArgsSchemaIsCreateExpense(t *testing.T) {
	h := toolstest.New(t, budget.Register)
	b, err := os.ReadFile("../testdata/args_schemas.txt")
	if err != nil {
		t.Fatal(err)
	}
	tl, _ := h.Reg.Get("create_expense")
	var copied, real any
	first, _, _ := bytes.Cut(b, []byte("\n"))
	if json.Unmarshal(first, &copied) != nil || json.Unmarshal(tl.Parameters, &real) != nil || !reflect.DeepEqual(copied, real) {
		t.Errorf("testdata/args_schemas.txt line 1 is not create_expense's schema:\n%s", tl.Parameters)
	}
}

// propertyArgs returns, for each property of schema, objects setting it (and
// every required property) to values of each JSON type.
func propertyArgs(t *testing.T, schema json.RawMessage) []string {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		t.Fatal(err)
	}
	values := []string{`"x"`, `""`, `"2026-11-24"`, `"45.20"`, `"fuel"`, `"` + strings.Repeat("a", 201) + `"`, `1`, `1.5`, `-3`, `true`, `null`, `[]`, `{}`}
	var out []string
	for name := range s.Properties {
		for _, v := range values {
			m := map[string]json.RawMessage{}
			for _, r := range s.Required {
				m[r] = json.RawMessage(`"fuel"`)
			}
			m[name] = json.RawMessage(v)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
	}
	return out
}

func compile(t *testing.T, url string, raw json.RawMessage) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(s *jsonschema.Schema, doc string) error {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		return fmt.Errorf("arguments are not valid JSON: %w", err)
	}
	return s.Validate(v)
}

// sortedWords sorts an error's words: the library lists additional properties
// in map order.
func sortedWords(msg string) string {
	words := strings.Fields(strings.ReplaceAll(msg, ",", " "))
	slices.Sort(words)
	return strings.Join(words, " ")
}
