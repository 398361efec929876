package loadgen_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/loadgen"
)

// startPAM runs the real server answering through the simulated model.
func startPAM(t *testing.T, latency time.Duration) *apptest.Server {
	t.Helper()
	fake, err := loadgen.StartFakeModel(latency)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	return apptest.Start(t, map[string]string{"PAM_MODEL": "openai-compatible:pam-sim", "PAM_OPENAI_BASE_URL": fake.URL(),
		"PAM_LOG_LEVEL": "error"})
}

func TestRunAgainstRealServer(t *testing.T) {
	srv := startPAM(t, 50*time.Millisecond)
	for _, transport := range []string{"ws", "rest"} {
		t.Run(transport, func(t *testing.T) {
			var progress bytes.Buffer
			r, err := loadgen.Run(context.Background(), loadgen.Config{Target: srv.URL, Transport: transport, Users: 4,
				RampUp: 200 * time.Millisecond, Duration: 2 * time.Second, Think: 100 * time.Millisecond, Grace: 10 * time.Second,
				Progress: &progress, Every: 500 * time.Millisecond, SignUpFirst: true, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			// At least one message per user: a loaded CI machine can slow
			// the 2 s run to a handful of turns; what matters is that every
			// one sent was answered once.
			if r.Sent < 4 || r.Answered != r.Sent || r.Lost != 0 || r.Duplicated != 0 || r.Errors != 0 {
				t.Fatalf("report %+v", r)
			}
			if r.P50 < 50*time.Millisecond || r.P99 < r.P50 || r.Throughput <= 0 {
				t.Fatalf("latencies must include the simulated model's 50 ms: %+v", r)
			}
			if !strings.Contains(progress.String(), "answered") {
				t.Fatalf("no progress line: %q", progress.String())
			}
		})
	}
}

func TestBreakingPointStopsAtTheLimit(t *testing.T) {
	srv := startPAM(t, 100*time.Millisecond)
	b, err := loadgen.BreakingPoint(context.Background(), loadgen.Config{Target: srv.URL, Think: 50 * time.Millisecond, Grace: 10 * time.Second},
		loadgen.BreakConfig{Start: 1, Factor: 2, Max: 8, Step: time.Second, P95Limit: 50 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.BrokeAt != 1 || len(b.Steps) != 1 || !strings.Contains(b.Reason, "p95") {
		t.Fatalf("a 100 ms model must break a 50 ms p95 limit at the first step: %+v", b)
	}
	b, err = loadgen.BreakingPoint(context.Background(), loadgen.Config{Target: srv.URL, Think: 50 * time.Millisecond, Grace: 10 * time.Second},
		loadgen.BreakConfig{Start: 1, Factor: 2, Max: 4, Step: time.Second, P95Limit: 10 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.BrokeAt != 0 || b.LastGood != 4 || len(b.Steps) != 3 {
		t.Fatalf("nothing breaks under a 10 s limit; steps 1, 2, 4: %+v", b)
	}
}
