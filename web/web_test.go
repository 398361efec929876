package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func mustBuild(t testing.TB) *Bundle {
	t.Helper()
	b, err := Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return b
}

func TestBundleContainsTheApp(t *testing.T) {
	b := mustBuild(t)
	js := string(b.Asset("/app.js").Body)
	for _, want := range []string{
		"/api/v1/ws", "/api/v1/events?after=", "/api/v1/chat", "client_message_id", "/api/v1/auth/refresh",
		"/api/v1/expenses", "reload_expenses", "last_seq", "pam.outbox.", "message-input", "sourceMappingURL=app.js.map",
	} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js lacks %q", want)
		}
	}
	// Text reaches the page through textContent only.
	for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, banned) {
			t.Errorf("app.js uses %s", banned)
		}
	}
	if !strings.Contains(string(b.Asset("/app.css").Body), "#messages") {
		t.Error("app.css lacks the #messages rules")
	}
	if b.Asset("/app.js.map") == nil {
		t.Error("no source map")
	}
}

func TestIndexHasStableIDsAndNoInlineCode(t *testing.T) {
	page := string(mustBuild(t).Asset("/index.html").Body)
	for _, id := range []string{"email", "password", "display-name", "login-btn", "register-btn", "message-input",
		"send-btn", "messages", "thinking", "banner", "expenses", "status"} {
		if !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("index.html lacks #%s", id)
		}
	}
	for _, re := range []string{`\son[a-z]+\s*=`, `\sstyle\s*=`, `<style`, `javascript:`} {
		if regexp.MustCompile(re).MatchString(page) {
			t.Errorf("index.html has inline code matching %s", re)
		}
	}
	for _, m := range regexp.MustCompile(`<script[^>]*>([^<]*)</script>`).FindAllStringSubmatch(page, -1) {
		if strings.TrimSpace(m[1]) != "" {
			t.Errorf("inline script: %q", m[1])
		}
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(tag, `src="/app.js?v=`) {
			t.Errorf("script tag without the versioned bundle: %s", tag)
		}
	}
	if !strings.Contains(page, `href="/app.css?v=`) {
		t.Error("stylesheet not versioned")
	}
	if !strings.Contains(page, `aria-live="polite"`) {
		t.Error("no aria-live region")
	}
}

func TestHandler(t *testing.T) {
	h, err := Handler()
	if err != nil {
		t.Fatal(err)
	}
	b := h.(*Bundle)
	jsVer := version(b.Asset("/app.js").ETag)
	tests := []struct {
		name, method, target string
		header               map[string]string
		status               int
		contentType          string
		cache                string
		encoding             string
		wantBody             []byte // nil: not checked
	}{
		{name: "root", method: "GET", target: "/", status: 200, contentType: "text/html; charset=utf-8", cache: "no-cache", wantBody: b.Asset("/index.html").Body},
		{name: "index", method: "GET", target: "/index.html", status: 200, contentType: "text/html; charset=utf-8", cache: "no-cache"},
		{name: "js unversioned", method: "GET", target: "/app.js", status: 200, contentType: "text/javascript; charset=utf-8", cache: "no-cache", wantBody: b.Asset("/app.js").Body},
		{name: "js versioned", method: "GET", target: "/app.js?v=" + jsVer, status: 200, contentType: "text/javascript; charset=utf-8", cache: "public, max-age=31536000, immutable"},
		{name: "js stale version", method: "GET", target: "/app.js?v=old", status: 200, contentType: "text/javascript; charset=utf-8", cache: "no-cache"},
		{name: "css", method: "GET", target: "/app.css", status: 200, contentType: "text/css; charset=utf-8", cache: "no-cache"},
		{name: "icon", method: "GET", target: "/favicon.svg", status: 200, contentType: "image/svg+xml", cache: "no-cache"},
		{name: "map", method: "GET", target: "/app.js.map", status: 200, contentType: "application/json", cache: "no-cache"},
		{name: "gzip", method: "GET", target: "/app.js", header: map[string]string{"Accept-Encoding": "br, gzip"}, status: 200, contentType: "text/javascript; charset=utf-8", cache: "no-cache", encoding: "gzip", wantBody: b.Asset("/app.js").Body},
		{name: "gzip refused", method: "GET", target: "/app.js", header: map[string]string{"Accept-Encoding": "gzip;q=0"}, status: 200, contentType: "text/javascript; charset=utf-8", cache: "no-cache", wantBody: b.Asset("/app.js").Body},
		{name: "not modified", method: "GET", target: "/app.css", header: map[string]string{"If-None-Match": `"x", ` + b.Asset("/app.css").ETag}, status: 304, contentType: "text/css; charset=utf-8", cache: "no-cache", wantBody: []byte{}},
		{name: "weak match", method: "GET", target: "/", header: map[string]string{"If-None-Match": "W/" + b.Asset("/index.html").ETag}, status: 304, contentType: "text/html; charset=utf-8", cache: "no-cache"},
		{name: "other etag", method: "GET", target: "/", header: map[string]string{"If-None-Match": `"nope"`}, status: 200, contentType: "text/html; charset=utf-8", cache: "no-cache"},
		{name: "head", method: "HEAD", target: "/app.js", status: 200, contentType: "text/javascript; charset=utf-8", cache: "no-cache", wantBody: []byte{}},
		{name: "post", method: "POST", target: "/", status: 405, contentType: "application/json"},
		{name: "missing", method: "GET", target: "/secrets.txt", status: 404, contentType: "application/json"},
		{name: "source not served", method: "GET", target: "/src/main.ts", status: 404, contentType: "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if got := res.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
				t.Errorf("CSP %q", got)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			if tc.cache != "" {
				if got := res.Header.Get("Cache-Control"); got != tc.cache {
					t.Errorf("Cache-Control %q, want %q", got, tc.cache)
				}
				if res.Header.Get("ETag") == "" {
					t.Error("no ETag")
				}
			}
			if got := res.Header.Get("Content-Encoding"); got != tc.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			body, _ := io.ReadAll(res.Body)
			if tc.encoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if tc.wantBody != nil && !bytes.Equal(body, tc.wantBody) {
				t.Errorf("body: %d bytes, want %d", len(body), len(tc.wantBody))
			}
			if tc.status >= 400 {
				var e struct {
					Error struct{ Code string } `json:"error"`
				}
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" {
					t.Errorf("error body %q is not the contract's error shape", body)
				}
			}
		})
	}
}

func TestStampVersionsNeedsReferences(t *testing.T) {
	a := &Asset{ETag: `"abc"`}
	if _, err := stampVersions([]byte(`<html></html>`), a, a); err == nil {
		t.Fatal("stampVersions accepted a page without the bundle references")
	}
}

func TestEmbedPluginRejectsBareImports(t *testing.T) {
	_, err := build(fstest.MapFS{
		"src/main.ts":        {Data: []byte(`import x from "left-pad"; console.log(x);`)},
		"src/app.css":        {Data: []byte("a{}")},
		"static/index.html":  {Data: []byte(`<link href="/app.css"><script src="/app.js"></script>`)},
		"static/favicon.svg": {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	})
	if err == nil || !strings.Contains(err.Error(), "only relative imports") {
		t.Fatalf("err = %v, want a bare-import error", err)
	}
}

func BenchmarkServeAppJS(b *testing.B) {
	h := mustBuild(b)
	req := httptest.NewRequest("GET", "/app.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
	}
}

func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := Build(); err != nil {
			b.Fatal(err)
		}
	}
}

var _ http.Handler = (*Bundle)(nil)
