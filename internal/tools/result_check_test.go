package tools

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// FuzzSanitize checks the result filter: it never panics, and whatever it
// keeps (when it does not reject the whole value) passes the bounds.
func FuzzSanitize(f *testing.F) {
	addResultSeeds(f)
	f.Fuzz(func(t *testing.T, doc string) {
		var v any
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			return
		}
		cleaned, _, bad := sanitize(v, "")
		if bad != "" {
			return
		}
		raw, err := json.Marshal(cleaned)
		if err != nil {
			t.Fatal(err)
		}
		var again any
		d2 := json.NewDecoder(bytes.NewReader(raw))
		d2.UseNumber()
		if err := d2.Decode(&again); err != nil {
			t.Fatal(err)
		}
		if _, dropped, bad := sanitize(again, ""); bad != "" || dropped != 0 {
			t.Fatalf("filtered value still fails: %s (%s, %d dropped)", raw, bad, dropped)
		}
	})
}

// FuzzQuickSane holds the fast path to the exact check: whenever it passes a
// document, the exact filter drops nothing and rejects nothing.
func FuzzQuickSane(f *testing.F) {
	addResultSeeds(f)
	f.Fuzz(func(t *testing.T, doc string) {
		if !quickSane([]byte(doc)) {
			return
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil || dec.More() {
			t.Fatalf("quickSane passed a document that is not one JSON value: %q (%v)", doc, err)
		}
		if _, dropped, bad := sanitize(v, ""); bad != "" || dropped != 0 {
			t.Fatalf("quickSane passed %q but the exact check finds %q (%d dropped)", doc, bad, dropped)
		}
	})
}

func TestQuickSane(t *testing.T) {
	tests := []struct {
		doc  string
		want bool
	}{
		{`{"expense":{"amount":{"amount":"45.20","currency":"USD"},"merchant":"Shell"}}`, true},
		{`{"lat":39.5,"lng":-105.2,"name":"Camp"}`, true},
		{`[{"price":3.89},{"price":4.05}]`, true},
		{`{"note":"a \"quoted\" word","count":3}`, true}, // unbounded keys are not checked
		{`{"lat":91}`, false},
		{`{"price":-1}`, false},
		{`{"fuel_cost":{"amount":"1000000","currency":"USD"}}`, false},
		{`{"stations":[{"price":3.5},{"price":99999999}]}`, false},
		{`{"lat":90}`, false},            // on the bound: the exact check decides
		{`{"Lat":10}`, false},            // upper-case key: left to the exact check
		{`{"lat":"1e400"}`, false},       // out of float range
		{`{"price":"3.5\u0030"}`, false}, // escaped: left to the exact check
		{`{"lat":10} x`, false},
		{`{"lat":10`, false},
		{`{"total":01}`, false},
	}
	for _, tc := range tests {
		if got := quickSane([]byte(tc.doc)); got != tc.want {
			t.Errorf("quickSane(%s) = %v, want %v", tc.doc, got, tc.want)
		}
	}
}

// addResultSeeds seeds a result fuzzer with testdata/result_seeds.txt, one document a line.
func addResultSeeds(f *testing.F) {
	b, err := os.ReadFile("testdata/result_seeds.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range strings.Split(string(b), "\n") {
		f.Add(s)
	}
}
