package sqlstore

import (
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{`WHERE x LIKE ? ESCAPE '\' AND y = ?`, `WHERE x LIKE $1 ESCAPE '\' AND y = $2`},
		{"WHERE note = 'why?' AND id = ?", "WHERE note = 'why?' AND id = $1"},
		{"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
	}
	pg := &db{d: Dialect{DollarParams: true}}
	lite := &db{d: Dialect{}}
	for _, tc := range tests {
		if got := pg.q(tc.in); got != tc.want {
			t.Errorf("postgres q(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := pg.q(tc.in); got != tc.want { // cached
			t.Errorf("cached q(%q) = %q", tc.in, got)
		}
		if got := lite.q(tc.in); got != tc.in {
			t.Errorf("sqlite q(%q) = %q, want it unchanged", tc.in, got)
		}
	}
}

// FuzzRebind checks that every placeholder outside quotes is numbered in order
// and nothing else changes.
func FuzzRebind(f *testing.F) {
	for _, s := range []string{"SELECT ?", "'?' ?", "a = ? AND b LIKE '%?%' ESCAPE '\\'", "??", "'unterminated ?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d := &db{d: Dialect{DollarParams: true}}
		out := d.q(in)
		if strings.Count(in, "'") != strings.Count(out, "'") {
			t.Fatalf("quotes changed: %q -> %q", in, out)
		}
		if !strings.Contains(in, "?") && out != in {
			t.Fatalf("query without placeholders changed: %q -> %q", in, out)
		}
		if strings.Count(out, "?") > strings.Count(in, "?") {
			t.Fatalf("placeholders appeared: %q -> %q", in, out)
		}
	})
}

func TestCursorRoundTrip(t *testing.T) {
	id := NewID()
	got, err := decodeCursor(encodeCursor(id))
	if err != nil || got != id {
		t.Fatalf("decodeCursor(encodeCursor(%s)) = %q, %v", id, got, err)
	}
	for _, bad := range []string{"!!", "a b", strings.Repeat("QUFB", 40)} {
		if _, err := decodeCursor(bad); err == nil {
			t.Errorf("decodeCursor(%q): want an error", bad)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add("")
	f.Add(encodeCursor(NewID()))
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, c string) {
		id, err := decodeCursor(c)
		if err != nil {
			return
		}
		if c != "" && encodeCursor(id) != c {
			// Non-canonical base64 may decode; it must still be bounded.
			if len(id) > 64 {
				t.Fatalf("cursor decoded to %d bytes", len(id))
			}
		}
	})
}

func TestIDsSortInCreationOrder(t *testing.T) {
	prev := NewID()
	for range 1000 {
		id := NewID()
		if id <= prev {
			t.Fatalf("NewID %s not after %s", id, prev)
		}
		prev = id
	}
}

func TestTimeScan(t *testing.T) {
	want := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	for _, src := range []any{want, want.In(time.FixedZone("x", 3600)), sqliteText(want), []byte(sqliteText(want)), "2026-03-04 05:06:07.123456+00:00"} {
		var got time.Time
		if err := (timeScan{&got}).Scan(src); err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Scan(%v) = %v, %v; want %v UTC", src, got, err, want)
		}
	}
	// SQLite text order is time order.
	a, b := sqliteText(want), sqliteText(want.Add(time.Microsecond))
	c := sqliteText(want.Add(time.Hour * 24 * 400))
	if !(a < b && b < c) {
		t.Errorf("SQLite times do not sort: %s %s %s", a, b, c)
	}
}

func TestLikePattern(t *testing.T) {
	tests := map[string]string{"Tank": "%tank%", "100%": `%100\%%`, "a_b": `%a\_b%`, `c:\x`: `%c:\\x%`}
	for in, want := range tests {
		if got := likePattern(in); got != want {
			t.Errorf("likePattern(%q) = %q, want %q", in, got, want)
		}
	}
}

// opError reads and unwraps as fmt.Errorf("%s: %w") did.
func TestOpError(t *testing.T) {
	err := error(&opError{"user by id", notFound("user")})
	if got, want := err.Error(), "user by id: user: "+store.ErrNotFound.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !store.IsNotFound(err) {
		t.Errorf("%v is not ErrNotFound", err)
	}
}

// sqliteText is t as SQLite stores it.
func sqliteText(t time.Time) string { return t.UTC().Format(SQLiteLayout) }
