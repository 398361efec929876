package tools

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// argsSchemas compiles testdata/args_schemas.txt (one parameters schema a
// line, the first create_expense's) for the library and the quick check.
func argsSchemas(t testing.TB) ([]*jsonschema.Schema, []*quickArgs) {
	t.Helper()
	b, err := os.ReadFile("testdata/args_schemas.txt")
	if err != nil {
		t.Fatal(err)
	}
	var lib []*jsonschema.Schema
	var quick []*quickArgs
	for i, line := range splitLines(string(b)) {
		s, err := compileSchema("schema"+string(rune('a'+i)), json.RawMessage(line))
		if err != nil {
			t.Fatalf("schema %d: %v", i, err)
		}
		lib = append(lib, s)
		quick = append(quick, compileQuickArgs(json.RawMessage(line)))
	}
	return lib, quick
}

func addArgsSeeds(f *testing.F) {
	b, err := os.ReadFile("testdata/args_seeds.txt")
	if err != nil {
		f.Fatal(err)
	}
	for i, doc := range splitLines(string(b)) {
		f.Add(doc, uint8(i))
	}
	f.Add("{\"s\":\"\xff\xfe\",\"n\":1}", uint8(2))
	f.Add("{\"\xff\":1}", uint8(4))
}

// FuzzQuickArgs holds the quick check to the library: whatever it accepts,
// the library accepts too.
func FuzzQuickArgs(f *testing.F) {
	addArgsSeeds(f)
	lib, quick := argsSchemas(f)
	f.Fuzz(func(t *testing.T, doc string, which uint8) {
		i := int(which) % len(lib)
		if !quick[i].accepts([]byte(doc)) {
			return
		}
		if err := validate(lib[i], json.RawMessage(doc)); err != nil {
			t.Fatalf("schema %d: quick check accepted %q, the library says %v", i, doc, err)
		}
	})
}

func TestQuickArgs(t *testing.T) {
	lib, quick := argsSchemas(t)
	for i, want := range []bool{true, true, true, true, true, false, true, true} {
		if (quick[i] != nil) != want {
			t.Errorf("schema %d: quick check compiled = %v, want %v", i, quick[i] != nil, want)
		}
	}
	tests := []struct {
		schema int
		doc    string
		want   bool // the quick check decides alone
	}{
		{0, `{"amount":"12.25","category":"groceries","merchant":"Walmart"}`, true},
		{0, ` {"amount":12.25, "category":"fuel", "date":"2026-11-24", "currency":"USD", "description":"x"} `, true},
		{0, `{"amount":"1","category":"fuel","merchant":"` + strings.Repeat("é", 200) + `"}`, true},
		{0, `{"amount":"1","category":"fuel","merchant":"` + strings.Repeat("é", 201) + `"}`, false},
		{0, `{"amount":"1","category":"Fuel"}`, false},      // not in the enum
		{0, `{"amount":"1","category":"fu\u0065l"}`, false}, // escaped: the library decides
		{0, `{"amount":"1"}`, false}, // required missing
		{0, `{"amount":"1","category":"fuel","x":1}`, false},
		{0, `{"amount":true,"category":"fuel"}`, false},
		{0, `{"amount":"1","category":"fuel","amount":"2"}`, false}, // duplicate key
		{0, `{"amount":"1","category":"fuel"} {}`, false},
		{0, `{"amount":"1","category":"fuel",}`, false},
		{0, `{"amount":01,"category":"fuel"}`, false},
		{1, ``, true},
		{1, `{"last":true}`, true},
		{1, `{"expense_id":""}`, false}, // minLength 1
		{2, `{"n":3,"any":{"deep":[1,"two",null]},"x":null,"s":"abc","e":"é"}`, true},
		{2, `{"n":3.0}`, false}, // an integer to the library; it decides
		{2, `{"n":3,"s":"a"}`, false},
		{2, `{"n":3,"e":"b"}`, false},
		{2, `{"n":3,"e":1}`, false},
		{2, `{"n":3,"s":"a\"b"}`, false},
		{4, `{"a":"x","b":{"c":[1,2]}}`, true},
		{4, `{"a":1}`, false},
		{7, `{"":1,"ü":"ä"}`, true},
		{7, `{"":1,"ü":"äö"}`, false},
	}
	for _, tc := range tests {
		got := quick[tc.schema].accepts([]byte(tc.doc))
		if got != tc.want {
			t.Errorf("schema %d, %s: quick = %v, want %v", tc.schema, tc.doc, got, tc.want)
		}
		if got && validate(lib[tc.schema], json.RawMessage(tc.doc)) != nil {
			t.Errorf("schema %d, %s: quick accepted what the library refuses", tc.schema, tc.doc)
		}
	}
}

// TestValidateArgsErrorsUnchanged checks that refused arguments get the
// library's own error, whether or not the tool has a quick check.
func TestValidateArgsErrorsUnchanged(t *testing.T) {
	b, _ := os.ReadFile("testdata/args_schemas.txt")
	seeds, _ := os.ReadFile("testdata/args_seeds.txt")
	for i, line := range splitLines(string(b)) {
		reg := NewRegistry()
		reg.MustRegister(Tool{Name: "tool_x", Description: "x", Parameters: json.RawMessage(line), Handler: okHandler})
		lib, err := compileSchema("tool_x/parameters", json.RawMessage(line))
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range splitLines(string(seeds)) {
			want := validate(lib, json.RawMessage(doc))
			got := reg.ValidateArgs("tool_x", json.RawMessage(doc))
			if (got == nil) != (want == nil) || got != nil && sameWords(got.Error()) != sameWords(want.Error()) {
				t.Errorf("schema %d, %s: ValidateArgs = %v, library = %v", i, doc, got, want)
			}
		}
	}
}

// sameWords sorts an error's words: the library lists additional properties
// in map order, which differs from one run to the next.
func sameWords(msg string) string {
	words := strings.Fields(strings.ReplaceAll(msg, ",", " "))
	slices.Sort(words)
	return strings.Join(words, " ")
}

// BenchmarkValidateArgs compares create_expense's usual arguments through
// ValidateArgs (the quick check) with the schema library alone.
func BenchmarkValidateArgs(b *testing.B) {
	schema := createExpenseSchema(b)
	reg := NewRegistry()
	reg.MustRegister(Tool{Name: "create_expense", Description: "x", Parameters: schema, Handler: okHandler})
	lib, err := compileSchema("create_expense/parameters", schema)
	if err != nil {
		b.Fatal(err)
	}
	args := json.RawMessage(`{"amount":"12.25","category":"groceries","merchant":"Walmart"}`)
	b.Run("quick", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := reg.ValidateArgs("create_expense", args); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := validate(lib, args); err != nil {
				b.Fatal(err)
			}
		}
	})
}
