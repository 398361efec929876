package tools

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// quickArgs checks arguments against a simple parameters schema by walking
// their JSON bytes, without decoding them: the schema library first decodes
// the arguments into a tree of maps, which cost more than the rest of a
// tool call's checks. It understands an object schema of flat properties
// (type, enum of strings, minLength, maxLength) and answers true only when
// the library would accept the arguments too. Anything else — a keyword it
// does not know, a duplicate key, an escaped key, a value it is not sure
// of, any invalid argument — answers false, and the library decides and
// words the error, so errors read the same as ever. FuzzQuickArgs holds it
// to "true means the library accepts".
type quickArgs struct {
	props    []quickProp
	required uint64 // bit i: props[i] is required
	closed   bool   // additionalProperties is false
}

// quickProp is one property's checks.
type quickProp struct {
	name           string
	types          uint8    // quickString, quickNumber… bits; 0 allows every type
	enum           []string // nil: no enum
	minLen, maxLen int      // -1: no bound
	unchecked      bool     // a keyword quickArgs does not check: the library decides
}

const (
	quickString uint8 = 1 << iota
	quickNumber
	quickInteger
	quickBoolean
	quickNull
)

var quickTypes = map[string]uint8{
	"string":  quickString,
	"number":  quickNumber,
	"integer": quickInteger,
	"boolean": quickBoolean,
	"null":    quickNull,
}

// annotations have no say in validation.
var annotations = map[string]bool{"description": true, "title": true, "default": true, "examples": true, "$comment": true}

// compileQuickArgs returns the quick check of a parameters schema, or nil
// when the schema uses more than it understands (the library then checks
// every call).
func compileQuickArgs(schema json.RawMessage) *quickArgs {
	var top map[string]json.RawMessage
	if json.Unmarshal(schema, &top) != nil {
		return nil
	}
	q := &quickArgs{}
	var required []string
	for k, v := range top {
		switch {
		case k == "type":
			var typ string
			if json.Unmarshal(v, &typ) != nil || typ != "object" {
				return nil
			}
		case k == "properties":
			var props map[string]json.RawMessage
			if json.Unmarshal(v, &props) != nil {
				return nil
			}
			for name, ps := range props {
				q.props = append(q.props, compileQuickProp(name, ps))
			}
		case k == "required":
			if json.Unmarshal(v, &required) != nil {
				return nil
			}
		case k == "additionalProperties":
			var open bool
			if json.Unmarshal(v, &open) != nil {
				return nil
			}
			q.closed = !open
		case annotations[k]:
		default:
			return nil
		}
	}
	if _, typed := top["type"]; !typed || len(q.props) > 64 {
		return nil
	}
	for _, name := range required {
		i := q.prop([]byte(name))
		if i < 0 {
			return nil
		}
		q.required |= 1 << i
	}
	return q
}

func compileQuickProp(name string, schema json.RawMessage) quickProp {
	p := quickProp{name: name, minLen: -1, maxLen: -1}
	var kw map[string]json.RawMessage
	if json.Unmarshal(schema, &kw) != nil {
		p.unchecked = true // a boolean schema
		return p
	}
	for k, v := range kw {
		ok := true
		switch {
		case k == "type":
			p.types, ok = compileQuickTypes(v)
		case k == "enum":
			ok = json.Unmarshal(v, &p.enum) == nil && p.enum != nil
		case k == "minLength":
			p.minLen, ok = schemaCount(v)
		case k == "maxLength":
			p.maxLen, ok = schemaCount(v)
		case annotations[k]:
		default:
			ok = false
		}
		if !ok {
			p.unchecked = true
		}
	}
	return p
}

// compileQuickTypes reads "type" as one name or a list of names.
func compileQuickTypes(v json.RawMessage) (uint8, bool) {
	var names []string
	var one string
	if json.Unmarshal(v, &one) == nil {
		names = []string{one}
	} else if json.Unmarshal(v, &names) != nil || len(names) == 0 {
		return 0, false
	}
	var types uint8
	for _, n := range names {
		t, ok := quickTypes[n]
		if !ok {
			return 0, false
		}
		types |= t
	}
	return types, true
}

// schemaCount reads a length bound written as plain digits.
func schemaCount(v json.RawMessage) (int, bool) {
	n, err := strconv.Atoi(string(v))
	return n, err == nil && n >= 0 && v[0] != '+' && v[0] != '-'
}

// accepts reports whether raw certainly satisfies the schema; false means
// the library must decide.
func (q *quickArgs) accepts(raw []byte) bool {
	if q == nil {
		return false
	}
	if len(raw) == 0 {
		raw = []byte(`{}`)
	}
	w := quickWalker{src: raw}
	w.space()
	if w.peek() != '{' {
		return false
	}
	var seen uint64
	ok := w.container('}', func() bool {
		key, escaped, ok := w.str()
		if !ok || escaped || !utf8.Valid(key) || !w.colon() {
			return false
		}
		i := q.prop(key)
		if i < 0 {
			return !q.closed && w.skip()
		}
		if seen&(1<<i) != 0 {
			return false // a duplicate: the decoder keeps the last, leave it to the library
		}
		seen |= 1 << i
		return q.props[i].value(&w)
	})
	return ok && w.end() && seen&q.required == q.required
}

// prop returns the index of the property named name, or -1.
func (q *quickArgs) prop(name []byte) int {
	for i := range q.props {
		if q.props[i].name == string(name) {
			return i
		}
	}
	return -1
}

// value checks the property's value at w and steps over it.
func (p *quickProp) value(w *quickWalker) bool {
	if p.unchecked {
		return false
	}
	c := w.peek()
	if c == '{' || c == '[' {
		return p.types == 0 && p.enum == nil && w.skip()
	}
	text, escaped, ok := w.scalar()
	if !ok {
		return false
	}
	if c == '"' {
		if !p.allows(quickString) {
			return false
		}
		if p.enum == nil && p.minLen < 0 && p.maxLen < 0 {
			return true
		}
		if escaped || !utf8.Valid(text) {
			return false // the decoded text differs from the bytes
		}
		if p.enum != nil && !inEnum(p.enum, text) {
			return false
		}
		n := utf8.RuneCount(text)
		return (p.minLen < 0 || n >= p.minLen) && (p.maxLen < 0 || n <= p.maxLen)
	}
	if p.enum != nil {
		return false // the enum holds strings only
	}
	switch c {
	case 't', 'f':
		return p.allows(quickBoolean)
	case 'n':
		return p.allows(quickNull)
	}
	return p.allows(quickNumber) || p.allows(quickInteger) && plainInteger(text)
}

func (p *quickProp) allows(t uint8) bool { return p.types == 0 || p.types&t != 0 }

// inEnum reports whether b is one of list.
func inEnum(list []string, b []byte) bool {
	for _, s := range list {
		if s == string(b) {
			return true
		}
	}
	return false
}

// plainInteger reports a number written without fraction or exponent (the
// library also counts 1.0 as an integer; it decides those).
func plainInteger(num []byte) bool {
	for _, c := range num {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// skip steps over one JSON value, checking only its syntax.
func (w *quickWalker) skip() bool {
	switch w.peek() {
	case '{':
		return w.container('}', func() bool {
			_, _, ok := w.str()
			return ok && w.colon() && w.skip()
		})
	case '[':
		return w.container(']', w.skip)
	default:
		_, _, ok := w.scalar()
		return ok
	}
}
