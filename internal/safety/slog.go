package safety

import (
	"context"
	"log/slog"
	"slices"
	"strings"
)

// redactingHandler wraps a slog.Handler so no secret reaches the log.
type redactingHandler struct {
	h slog.Handler
}

// NewRedactingHandler returns a handler that redacts the message and every
// string attribute (in groups too, and the strings of LogValuers and errors)
// before passing records to h. Values under secret-looking keys (password,
// token, secret, api_key, authorization, cookie) are replaced whole. A record
// that had anything redacted gets a "redacted" attribute listing the types.
func NewRedactingHandler(h slog.Handler) slog.Handler { return &redactingHandler{h: h} }

func (r *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return r.h.Enabled(ctx, l)
}

func (r *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	types := map[string]bool{}
	msg := redactInto(rec.Message, types)
	out := slog.NewRecord(rec.Time, rec.Level, msg, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a, types))
		return true
	})
	if len(types) > 0 {
		out.AddAttrs(slog.String("redacted", strings.Join(sortedKeys(types), ",")))
	}
	return r.h.Handle(ctx, out)
}

func (r *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	types := map[string]bool{}
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a, types)
	}
	return &redactingHandler{h: r.h.WithAttrs(red)}
}

func (r *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{h: r.h.WithGroup(name)}
}

// secretKeyNames are attribute keys whose values are never logged.
var secretKeyNames = []string{"password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "cookie", "private_key", "credential"}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range secretKeyNames {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

func redactAttr(a slog.Attr, types map[string]bool) slog.Attr {
	v := a.Value.Resolve()
	if secretKey(a.Key) && v.Kind() != slog.KindGroup {
		if v.Kind() == slog.KindString && v.String() == "" {
			return slog.Attr{Key: a.Key, Value: v}
		}
		types[SecretAssigned] = true
		return slog.String(a.Key, "[REDACTED:"+SecretAssigned+"]")
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redactInto(v.String(), types))
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = redactAttr(ga, types)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, redactInto(x.Error(), types))
		case interface{ String() string }:
			return slog.String(a.Key, redactInto(x.String(), types))
		case []byte:
			return slog.String(a.Key, redactInto(string(x), types))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func redactInto(s string, types map[string]bool) string {
	out, found := Redact(s)
	for _, f := range found {
		types[f.Type] = true
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
