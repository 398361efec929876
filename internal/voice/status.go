package voice

import (
	"context"
	"time"
)

// EngineStatus is one engine's standing for GET /api/v1/voice/status.
type EngineStatus struct {
	Name      string     `json:"name"`
	Position  int        `json:"position"` // 1 is tried first
	Available bool       `json:"available"`
	Detail    string     `json:"detail,omitempty"` // why it is unavailable
	Formats   []string   `json:"formats"`
	Successes int64      `json:"successes"`
	Failures  int64      `json:"failures"`
	LastOK    *time.Time `json:"last_ok,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	LastFail  *time.Time `json:"last_failure,omitempty"`
}

// Status lists the engines with their health; it spends nothing.
func (s *Service) Status(ctx context.Context) []EngineStatus {
	out := make([]EngineStatus, 0, len(s.engines))
	for i, e := range s.engines {
		st := EngineStatus{Name: e.Name(), Position: i + 1, Available: true, Formats: formats(e)}
		if err := e.Check(ctx); err != nil {
			st.Available, st.Detail = false, err.Error()
		}
		s.mu.Lock()
		if h := s.health[e.Name()]; h != nil {
			st.Successes, st.Failures, st.LastError = h.ok, h.failed, h.lastError
			st.LastOK, st.LastFail = timePtr(h.lastOK), timePtr(h.lastFail)
		}
		s.mu.Unlock()
		out = append(out, st)
	}
	return out
}

func formats(e Engine) []string {
	var out []string
	for _, f := range []string{FormatWAV, FormatMP3} {
		if e.Supports(f) {
			out = append(out, f)
		}
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// TestResult is one engine's outcome of speaking the sample.
type TestResult struct {
	Engine     string `json:"engine"`
	OK         bool   `json:"ok"`
	Format     string `json:"format,omitempty"`
	Bytes      int    `json:"bytes"`
	DurationMs int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
}

// Test speaks the sample text with every engine (bypassing the cache) and
// reports each one's timing: the diagnostics behind POST /api/v1/voice/test.
func (s *Service) Test(ctx context.Context) []TestResult {
	out := make([]TestResult, 0, len(s.engines))
	for _, e := range s.engines {
		format := FormatWAV
		if !e.Supports(format) {
			format = FormatMP3
		}
		start := time.Now()
		data, err := s.attempt(ctx, e, Request{Text: s.cfg.SampleText, Format: format})
		r := TestResult{Engine: e.Name(), OK: err == nil, Format: format, Bytes: len(data), DurationMs: time.Since(start).Milliseconds()}
		if err != nil {
			r.Error = err.Error()
		}
		out = append(out, r)
	}
	return out
}
