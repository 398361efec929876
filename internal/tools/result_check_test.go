package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
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

// countingData encodes differently each time it is marshalled.
type countingData struct{ n *int }

func (d countingData) MarshalJSON() ([]byte, error) {
	*d.n++
	return []byte(`{"lat":1,"encoding":` + strconv.Itoa(*d.n) + `}`), nil
}

// TestCheckedDataIsWhatPassed: a result's data is encoded once, by the
// check, and every later reader (the model, a kept result) gets those bytes.
func TestCheckedDataIsWhatPassed(t *testing.T) {
	var n int
	e, _ := newTestExecutor(t, Tool{Name: "counted", Handler: func(context.Context, *Call) (*Result, error) {
		return &Result{Data: countingData{&n}}, nil
	}})
	res := e.Execute(context.Background(), userCall("counted", `{}`))
	body, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"status":"ok","data":{"lat":1,"encoding":1}}`; string(body) != want || n != 1 {
		t.Errorf("result %s after %d encodings, want %s after 1", body, n, want)
	}
}
