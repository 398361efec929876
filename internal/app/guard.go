package app

import (
	"context"
	"encoding/json"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/redisx"
	"github.com/pamtravel/pam/internal/safety"
)

// guard adapts the safety package to the delivery and agent interfaces: one
// pipeline for every transport, and the scans around the model.
type guard struct {
	limits   safety.Limits
	detector *safety.Detector
	abuse    safety.AbuseTracker
}

func newGuard(cfg *config.Config, abuse safety.AbuseTracker) *guard {
	l := safety.DefaultLimits()
	l.MaxChars = cfg.MaxMessageChars
	return &guard{limits: l, detector: safety.NewDetector(safety.DetectorConfig{}), abuse: abuse}
}

// abuseTracker counts injection attempts and holds blocks: in Redis when
// there is one, so a user spread over instances is counted and blocked once.
func (c *components) abuseTracker() safety.AbuseTracker {
	local := safety.NewAbuse(safety.AbuseConfig{})
	if c.scale != nil && c.scale.redis != nil {
		return redisx.NewAbuse(c.scale.redis, local)
	}
	return local
}

func (g *guard) CleanText(text string) (string, error) { return safety.CleanText(text, g.limits) }

func (g *guard) CheckContext(raw json.RawMessage) error { return safety.CheckContext(raw, g.limits) }

// Screen blocks injection attempts, flags suspicious text, and blocks a user
// who keeps trying. Blocked attempts count at once; flagged messages count
// when delivery has stored them (Flagged), so a retried message counts once.
func (g *guard) Screen(ctx context.Context, userID, text string) ([]string, error) {
	if blocked, retry := g.abuse.Blocked(userID); blocked {
		return nil, &pamerr.Error{Code: pamerr.RateLimited, Message: "Too many unsafe messages; please wait a while before trying again.", RetryAfter: retry}
	}
	v := g.detector.Scan(text)
	switch v.Decision {
	case safety.Block:
		g.abuse.Record(userID, v)
		return nil, pamerr.New(pamerr.UnsafeInput, "This message looks like an attempt to change how PAM works, so it was not sent. Please rephrase your request.")
	case safety.Flag:
		return v.Categories, nil
	}
	return nil, nil
}

// Flagged counts a stored flagged message against its sender.
func (g *guard) Flagged(userID string, categories []string) {
	g.abuse.Record(userID, safety.Verdict{Decision: safety.Flag, Categories: categories})
}

func (g *guard) Untrusted(text string) (string, bool) {
	fenced, v := g.detector.ScanUntrusted(text)
	return fenced, v.Decision == safety.Block
}

func (g *guard) CheckReply(reply, systemPrompt string) (string, bool) {
	redacted, _ := safety.Redact(reply)
	safe, caught, _ := safety.CheckReply(redacted, systemPrompt)
	return safe, caught || redacted != reply
}

func (g *guard) Redact(text string) string { return redactString(text) }
