package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ContentSecurityPolicy is sent with every response of the page: scripts and styles only
// from PAM itself, no inline code, no framing. connect-src 'self' covers the same-origin
// WebSocket (CSP Level 3); media-src blob: plays answers spoken by /api/v1/voice/speak.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src blob:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler bundles the page (once; call it at start-up) and returns the handler that
// serves it: "/" and "/index.html", "/app.js", "/app.css" and their source maps.
func Handler() (http.Handler, error) {
	b, err := Build()
	if err != nil {
		return nil, err
	}
	return b, nil
}

// ServeHTTP serves the bundle's assets with their content type, ETag and cache policy.
func (b *Bundle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "geolocation=(self), microphone=(self), camera=()")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "INVALID_INPUT", "method not allowed")
		return
	}
	name := r.URL.Path
	if name == "/" {
		name = "/index.html"
	}
	a := b.assets[name]
	if a == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such page")
		return
	}
	h.Set("Content-Type", a.ContentType)
	h.Set("ETag", a.ETag)
	h.Set("Vary", "Accept-Encoding")
	if name != "/index.html" && r.URL.Query().Get("v") == version(a.ETag) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if etagMatches(r.Header.Get("If-None-Match"), a.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.Body
	if a.Gzip != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body = a.Gzip
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// etagMatches implements If-None-Match's weak comparison over a list of tags.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// writeError answers in the contract's error shape, echoing the request id the
// middleware set, if any.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
		"code": code, "message": message, "request_id": w.Header().Get("X-Request-ID"),
	}})
}
