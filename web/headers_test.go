package web

import (
	"strings"
	"testing"
)

func TestEtagMatches(t *testing.T) {
	tests := []struct {
		header, etag string
		want         bool
	}{
		{`"a"`, `"a"`, true},
		{`W/"a"`, `"a"`, true},
		{`"b", "a"`, `"a"`, true},
		{`*`, `"a"`, true},
		{`"b"`, `"a"`, false},
		{``, `"a"`, false},
		{`a`, `"a"`, false},
		{`"a`, `"a"`, false},
	}
	for _, tc := range tests {
		if got := etagMatches(tc.header, tc.etag); got != tc.want {
			t.Errorf("etagMatches(%q, %q) = %v, want %v", tc.header, tc.etag, got, tc.want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, GZIP;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0", false},
		{"deflate", false},
		{"", false},
		{"x-gzip", false},
	}
	for _, tc := range tests {
		if got := acceptsGzip(tc.header); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// FuzzConditionalHeaders checks the request-header parsers never panic and agree
// with their definition: a tag listed verbatim always matches.
func FuzzConditionalHeaders(f *testing.F) {
	f.Add(`"abc", W/"def"`, `"abc"`)
	f.Add(`*`, `"x"`)
	f.Add("gzip;q=0, br", `""`)
	f.Fuzz(func(t *testing.T, header, etag string) {
		got := etagMatches(header, etag)
		if strings.TrimSpace(etag) == etag && etag != "" && !strings.Contains(etag, ",") && !got {
			if etagMatches(header+", "+etag, etag) != true {
				t.Fatalf("a listed tag %q did not match", etag)
			}
		}
		_ = acceptsGzip(header)
		if !acceptsGzip(header+", gzip") && !strings.Contains(strings.ToLower(header), "gzip") {
			t.Fatalf("gzip appended to %q not accepted", header)
		}
	})
}
