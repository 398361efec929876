package observe

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// slackSink is a Slack-compatible incoming webhook.
type slackSink struct {
	mu   sync.Mutex
	msgs []slackMessage
}

func (s *slackSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var m slackMessage
	if err := json.Unmarshal(body, &m); err != nil || m.Text == "" {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (s *slackSink) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.msgs {
		out = append(out, m.Attachments[0].Title+":"+m.Attachments[0].Color)
	}
	return out
}

func TestAlertRulesFireAndResolveThroughWebhook(t *testing.T) {
	tests := []struct {
		name  string
		load  func(m *Metrics, s *Spend)
		fires string
	}{
		{"error rate over 5%", func(m *Metrics, _ *Spend) {
			for i := 0; i < 90; i++ {
				m.ObserveHTTP("POST /api/v1/chat", "POST", 200, time.Millisecond)
			}
			for i := 0; i < 10; i++ {
				m.ObserveHTTP("POST /api/v1/chat", "POST", 500, time.Millisecond)
			}
		}, "HighErrorRate"},
		{"p95 over 5 s", func(m *Metrics, _ *Spend) {
			for i := 0; i < 10; i++ {
				m.ObserveTurn("anthropic", false, 8*time.Second)
			}
		}, "SlowTurns"},
		{"model budget over 80%", func(_ *Metrics, s *Spend) {
			s.Add(decimal.RequireFromString("8.50"), time.Now())
		}, "ModelBudget"},
		{"database pool over 95%", func(m *Metrics, _ *Spend) {
			m.SetDBPool(func() (int, int) { return 20, 20 })
		}, "DatabasePoolSaturated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &slackSink{}
			srv := httptest.NewServer(sink)
			defer srv.Close()
			m := NewMetrics()
			spend := &Spend{DailyBudget: decimal.RequireFromString("10")}
			a := &Alerts{Metrics: m, Spend: spend, Notifier: &Webhook{URL: srv.URL, Instance: "test"}}
			ctx := context.Background()
			a.Evaluate(ctx) // baseline
			a.Evaluate(ctx)
			if got := sink.names(); len(got) != 0 {
				t.Fatalf("nothing should fire on an idle instance, got %v", got)
			}
			tc.load(m, spend)
			a.Evaluate(ctx)
			got := sink.names()
			if len(got) != 1 || got[0] != tc.fires+":"+map[bool]string{true: "danger", false: "warning"}[a.View().Firing[0].Severity == "critical"] {
				t.Fatalf("webhook got %v, want one %s", got, tc.fires)
			}
			if v := a.View(); len(v.Firing) != 1 || v.Firing[0].Name != tc.fires {
				t.Fatalf("firing = %+v", v.Firing)
			}
			if tc.fires == "ModelBudget" || tc.fires == "DatabasePoolSaturated" {
				return // gauges: still over the limit
			}
			// A quiet window resolves the windowed rules.
			for i := 0; i < 100; i++ {
				m.ObserveHTTP("GET /healthz", "GET", 200, time.Millisecond)
				m.ObserveTurn("rules", false, 10*time.Millisecond)
			}
			a.Evaluate(ctx)
			got = sink.names()
			if len(got) != 2 || got[1] != tc.fires+":good" {
				t.Fatalf("webhook got %v, want the resolution", got)
			}
		})
	}
}

func TestWebhookReportsRefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no_service", http.StatusNotFound)
	}))
	defer srv.Close()
	err := (&Webhook{URL: srv.URL}).Notify(context.Background(), Alert{Name: "X", Severity: "warning"})
	if err == nil {
		t.Fatal("a 404 from the webhook must be an error")
	}
}

func TestRaiseIsDeduplicated(t *testing.T) {
	sink := &slackSink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	now := time.Unix(1_700_000_000, 0)
	a := &Alerts{Metrics: NewMetrics(), Notifier: &Webhook{URL: srv.URL}, Now: func() time.Time { return now }}
	ctx := context.Background()
	a.Raise(ctx, Alert{Name: "unknown_error", Severity: "critical"})
	a.Raise(ctx, Alert{Name: "unknown_error", Severity: "critical"})
	now = now.Add(6 * time.Minute)
	a.Raise(ctx, Alert{Name: "unknown_error", Severity: "critical"})
	if got := len(sink.names()); got != 2 {
		t.Fatalf("notifications = %d, want 2 (one per quiet period)", got)
	}
}
