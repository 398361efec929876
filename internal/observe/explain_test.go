package observe

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParsePlan(t *testing.T) {
	tests := []struct {
		name string
		plan string
		want []string
	}{
		{"equality then range", `Seq Scan on expenses  (cost=0.00..1693.00 rows=12 width=72)
  Filter: ((spent_on >= '2026-01-01'::date) AND (user_id = 'u1'::text))`,
			[]string{"CREATE INDEX CONCURRENTLY ON expenses (user_id, spent_on);"}},
		{"nested with alias", `Sort  (cost=20.1..20.2 rows=3 width=8)
  Sort Key: e.spent_on
  ->  Seq Scan on expenses e  (cost=0.00..20.00 rows=3 width=8)
        Filter: (e.category = 'fuel'::text)`,
			[]string{"CREATE INDEX CONCURRENTLY ON expenses (category);"}},
		{"index scan needs nothing", `Index Scan using expenses_user_idx on expenses  (cost=0.29..8.30 rows=1 width=72)
  Index Cond: (user_id = 'u1'::text)`, nil},
		{"seq scan without filter", `Seq Scan on users  (cost=0.00..1.01 rows=1 width=40)`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range ParsePlan(tc.plan) {
				got = append(got, s.Statement)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzParsePlan(f *testing.F) {
	dir := filepath.Join("testdata", "plans")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, plan string) {
		for _, s := range ParsePlan(plan) {
			if s.Table == "" || len(s.Columns) == 0 {
				t.Fatalf("empty suggestion %+v", s)
			}
			for _, c := range s.Columns {
				if !identifier.MatchString(c) {
					t.Fatalf("column %q is not an identifier: the statement would be unsafe", c)
				}
			}
		}
	})
}
