package llm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/llmtest"
)

func TestResilientRetries(t *testing.T) {
	tests := []struct {
		name     string
		steps    []llmtest.Step
		stream   bool
		wantErr  llm.ErrorKind // "" for success
		wantReqs int
	}{
		{"500 then 503 then answer", []llmtest.Step{llmtest.Status(500), llmtest.Status(503), llmtest.Text("ok")}, false, "", 3},
		{"529 then answer streamed", []llmtest.Step{llmtest.Overloaded(), llmtest.Text("ok")}, true, "", 2},
		{"408 then answer", []llmtest.Step{llmtest.Status(408), llmtest.Text("ok")}, false, "", 2},
		{"409 then answer", []llmtest.Step{llmtest.Status(409), llmtest.Text("ok")}, false, "", 2},
		{"connection cut before first token is retried", []llmtest.Step{llmtest.Cut("never", 0), llmtest.Text("ok")}, true, "", 2},
		{"500 three times gives up after 2 retries", []llmtest.Step{llmtest.Status(500), llmtest.Status(500), llmtest.Status(500)}, false, llm.KindServer, 3},
		{"400 is not retried", []llmtest.Step{llmtest.Status(400)}, false, llm.KindBadRequest, 1},
		{"401 is not retried", []llmtest.Step{llmtest.Status(401)}, false, llm.KindAuth, 1},
		{"malformed body is not retried", []llmtest.Step{llmtest.Malformed()}, false, llm.KindMalformed, 1},
		{"stream cut after text is not retried", []llmtest.Step{llmtest.Cut("Sunny and warm in Moab", 2)}, true, llm.KindStreamCut, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := llmtest.NewAnthropic(t)
			f.Push(tt.steps...)
			m := llm.Resilient(claude(t, f), fastPolicy())
			var onDelta llm.DeltaFunc
			if tt.stream {
				onDelta = func(string) {}
			}
			resp, err := m.Generate(testCtx(t), userRequest("hi"), onDelta)
			if tt.wantErr == "" {
				if err != nil || resp.Text() != "ok" {
					t.Fatalf("resp %v, err %v", resp, err)
				}
			} else if llm.KindOf(err) != tt.wantErr {
				t.Fatalf("err kind %q (%v), want %q", llm.KindOf(err), err, tt.wantErr)
			}
			if f.Count() != tt.wantReqs {
				t.Errorf("requests = %d, want %d", f.Count(), tt.wantReqs)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	tests := []struct {
		name             string
		step             llmtest.Step
		minWait, maxWait time.Duration
	}{
		{"retry-after-ms", llmtest.RateLimitedMs("300"), 300 * time.Millisecond, 900 * time.Millisecond},
		{"retry-after seconds capped at MaxRetryAfter", llmtest.RateLimited("30"), time.Second, 1700 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := llmtest.NewOpenAI(t)
			f.Push(tt.step, llmtest.Text("ok"))
			rec := &recorder{}
			p := fastPolicy()
			p.TurnDeadline = 5 * time.Second
			m := llm.Resilient(gpt(t, f), p, llm.WithObserver(rec))
			start := time.Now()
			resp, err := m.Generate(testCtx(t), userRequest("hi"), nil)
			waited := time.Since(start)
			if err != nil || resp.Text() != "ok" {
				t.Fatalf("resp %v, err %v", resp, err)
			}
			if waited < tt.minWait || waited > tt.maxWait {
				t.Errorf("waited %s, want between %s and %s", waited, tt.minWait, tt.maxWait)
			}
			if len(rec.retries) != 1 || rec.retries[0] < tt.minWait || rec.attempts != 2 {
				t.Errorf("observed retries %v, attempts %d", rec.retries, rec.attempts)
			}
		})
	}
}

func TestRetryAfterPastDeadlineGivesUpAtOnce(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	f.Push(llmtest.RateLimited("10"), llmtest.Text("too late"))
	p := fastPolicy()
	p.MaxRetryAfter = 20 * time.Second
	p.TurnDeadline = 500 * time.Millisecond
	start := time.Now()
	_, err := llm.Resilient(claude(t, f), p).Generate(testCtx(t), userRequest("hi"), nil)
	if llm.KindOf(err) != llm.KindRateLimited {
		t.Fatalf("err = %v, want rate_limited", err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("took %s: it waited although the wait would pass the deadline", d)
	}
	if f.Count() != 1 {
		t.Errorf("requests = %d, want 1", f.Count())
	}
}

func TestHungUpstreamTimesOutPerAttempt(t *testing.T) {
	for _, stream := range []bool{false, true} {
		f := llmtest.NewAnthropic(t)
		f.Always(llmtest.Hang())
		p := fastPolicy()
		p.AttemptTimeout = 100 * time.Millisecond
		p.MaxRetries = 1
		var onDelta llm.DeltaFunc
		if stream {
			onDelta = func(string) {}
		}
		start := time.Now()
		_, err := llm.Resilient(claude(t, f), p).Generate(testCtx(t), userRequest("hi"), onDelta)
		d := time.Since(start)
		var pe *llm.ProviderError
		if !errors.As(err, &pe) || pe.Kind != llm.KindTimeout {
			t.Fatalf("stream=%v: err = %v, want timeout", stream, err)
		}
		if d < 200*time.Millisecond || d > time.Second {
			t.Errorf("stream=%v: took %s, want two 100 ms attempts", stream, d)
		}
		if f.Count() != 2 {
			t.Errorf("stream=%v: requests = %d, want 2", stream, f.Count())
		}
	}
}

func TestStreamThatKeepsFlowingOutlivesAttemptTimeout(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	// 6 fragments 60 ms apart: 360 ms in all, longer than the 150 ms attempt
	// timeout, but never silent for that long.
	f.Push(llmtest.Step{Text: "a b c d e f", ChunkDelay: 60 * time.Millisecond})
	p := fastPolicy()
	p.AttemptTimeout = 150 * time.Millisecond
	resp, err := llm.Resilient(claude(t, f), p).Generate(testCtx(t), userRequest("hi"), func(string) {})
	if err != nil || resp.Text() != "a b c d e f" {
		t.Fatalf("resp %v, err %v", resp, err)
	}
}

func TestCallerCancelIsNotRetried(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	f.Always(llmtest.Hang())
	p := fastPolicy()
	p.AttemptTimeout = 5 * time.Second
	ctx, cancel := contextWithCancelAfter(t, 100*time.Millisecond)
	defer cancel()
	_, err := llm.Resilient(claude(t, f), p).Generate(ctx, userRequest("hi"), nil)
	if llm.KindOf(err) != llm.KindCanceled {
		t.Fatalf("err = %v, want canceled", err)
	}
	if f.Count() != 1 {
		t.Errorf("requests = %d, want 1", f.Count())
	}
}
