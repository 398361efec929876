package httpapi

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

func TestPollParams(t *testing.T) {
	cases := []struct {
		query string
		after int64
		wait  time.Duration
		ok    bool
	}{
		{"", 0, 25 * time.Second, true},
		{"after=7&wait=5s", 7, 5 * time.Second, true},
		{"after=7&wait=2.5", 7, 2500 * time.Millisecond, true},
		{"wait=10m", 0, 60 * time.Second, true}, // capped
		{"wait=0s", 0, 0, true},
		{"after=-1", 0, 0, false},
		{"after=abc", 0, 0, false},
		{"after=99999999999999999999", 0, 0, false},
		{"wait=-1s", 0, 0, false},
		{"wait=NaN", 0, 0, false},
		{"wait=Inf", 0, 0, false},
		{"wait=soon", 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			after, wait, err := pollParams(httptest.NewRequest("GET", "/api/v1/events?"+tc.query, nil))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (after != tc.after || wait != tc.wait) {
				t.Fatalf("got after=%d wait=%v, want %d %v", after, wait, tc.after, tc.wait)
			}
		})
	}
}

func FuzzPollParams(f *testing.F) {
	for _, s := range []string{"0", "25s", "1.5", "-1", "NaN", "1e308", "9223372036854775807"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, after, wait string) {
		q := url.Values{"after": {after}, "wait": {wait}}
		a, w, err := pollParams(httptest.NewRequest("GET", "/api/v1/events?"+q.Encode(), nil))
		if err != nil {
			return
		}
		if a < 0 || w < 0 || w > pollMaxWait {
			t.Fatalf("after=%q wait=%q gave %d %v", after, wait, a, w)
		}
	})
}
