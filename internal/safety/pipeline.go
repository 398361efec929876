package safety

import (
	"encoding/json"

	"github.com/pamtravel/pam/internal/pamerr"
)

// Pipeline is the one input check every transport runs on a chat message:
// clean the text, check the context, refuse users blocked for abuse, scan for
// injection, count attempts. Safe for concurrent use.
type Pipeline struct {
	limits   Limits
	detector *Detector
	abuse    *Abuse
}

// NewPipeline returns a Pipeline; a nil detector or abuse tracker gets the defaults.
func NewPipeline(l Limits, d *Detector, a *Abuse) *Pipeline {
	if d == nil {
		d = NewDetector(DetectorConfig{})
	}
	if a == nil {
		a = NewAbuse(AbuseConfig{})
	}
	return &Pipeline{limits: l.withDefaults(), detector: d, abuse: a}
}

// Abuse returns the pipeline's abuse tracker (for the admin routes).
func (p *Pipeline) Abuse() *Abuse { return p.abuse }

// Detector returns the pipeline's detector (for ScanUntrusted on tool results).
func (p *Pipeline) Detector() *Detector { return p.detector }

// Checked is a message that passed the pipeline.
type Checked struct {
	Text    string  // cleaned text, what the agent sees
	Verdict Verdict // Allow or Flag; a flagged turn answers with safety.flagged
}

// CheckMessage runs the pipeline for the user. Errors are *pamerr.Error:
// INVALID_INPUT and MESSAGE_TOO_LARGE for bad text or context, RATE_LIMITED
// (with RetryAfter) for a user blocked for repeated injection attempts, and
// UNSAFE_INPUT for a blocked message (which also counts as an attempt).
func (p *Pipeline) CheckMessage(userID, text string, context json.RawMessage) (Checked, error) {
	if blocked, wait := p.abuse.Blocked(userID); blocked {
		return Checked{}, &pamerr.Error{Code: pamerr.RateLimited, Message: "too many unsafe messages; try again later", RetryAfter: wait}
	}
	clean, err := CleanText(text, p.limits)
	if err != nil {
		return Checked{}, err
	}
	if err := CheckContext(context, p.limits); err != nil {
		return Checked{}, err
	}
	v := p.detector.Scan(clean)
	if blocked, wait := p.abuse.Record(userID, v); blocked {
		return Checked{}, &pamerr.Error{Code: pamerr.RateLimited, Message: "too many unsafe messages; try again later", RetryAfter: wait}
	}
	if v.Decision == Block {
		return Checked{}, &pamerr.Error{Code: pamerr.UnsafeInput, Message: "This message looks like an attempt to change how PAM works, so it was not sent. Please rephrase your travel question."}
	}
	return Checked{Text: clean, Verdict: v}, nil
}
