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
	b, err := os.ReadFile("testdata/result_seeds.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range strings.Split(string(b), "\n") {
		f.Add(s)
	}
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
