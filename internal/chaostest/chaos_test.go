package chaostest

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/loadgen"
)

// faultCase is one fault at a rate high enough to fire many times in a
// short run, with the server settings that make its degradation observable.
type faultCase struct {
	name      string
	chaos     string
	model     bool // answer with the simulated model (else the rules brain, which calls tools)
	env       map[string]string
	transport string
	// wantDegraded: some answers must say degraded (the model ladder fell to rules).
	wantDegraded bool
	// wantReconnects: WebSocket users must have been cut and have reconnected.
	wantReconnects bool
}

func TestDegradationLadderUnderEachFault(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos runs take about a minute")
	}
	cases := []faultCase{
		{name: "tool timeouts", chaos: "tool_timeout=0.5", env: map[string]string{"PAM_TOOL_TIMEOUT": "300ms"}},
		{name: "invalid outside payloads", chaos: "external_invalid=0.5",
			env: map[string]string{"PAM_OFFLINE": "false", "PAM_DEV_RECORD": "true"}},
		{name: "model 429", chaos: "model_429=0.7", model: true, wantDegraded: true},
		{name: "model 529", chaos: "model_529=0.7", model: true, wantDegraded: true},
		{name: "model timeouts", chaos: "model_timeout=0.7", model: true, wantDegraded: true,
			env: map[string]string{"PAM_ATTEMPT_TIMEOUT": "300ms", "PAM_TURN_DEADLINE": "2s"}},
		// Every connection is cut 0.5–10.5 s after it opens (reconnections too),
		// so some cuts surely fall inside the 7 s run.
		{name: "websocket disconnects", chaos: "ws_disconnect=1", model: true, wantReconnects: true},
		{name: "database pool exhaustion over websocket", chaos: "db_pool=0.2", model: true},
		{name: "database pool exhaustion over rest", chaos: "db_pool=0.2", model: true, transport: "rest"},
		// Half-second outage windows, each down at rate 0.5: about a dozen
		// draws in the run, so the fault surely fires.
		{name: "redis outages", chaos: "redis_down=0.5",
			env: map[string]string{"PAM_OFFLINE": "false", "PAM_DEV_RECORD": "true", "PAM_CHAOS_OUTAGE": "500ms"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"PAM_CHAOS": tc.chaos, "PAM_LOG_LEVEL": "error", "PAM_TURN_WORKERS": "64",
				"PAM_LIMIT_USER_PER_MIN": "10000"}
			for k, v := range tc.env {
				env[k] = v
			}
			if tc.model {
				fake, err := loadgen.StartFakeModel(20 * time.Millisecond)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { fake.Close() })
				env["PAM_MODEL"], env["PAM_OPENAI_BASE_URL"] = "openai-compatible:pam-sim", fake.URL()
			}
			srv := apptest.Start(t, env)
			transport := tc.transport
			if transport == "" {
				transport = "ws"
			}
			r, err := loadgen.Run(context.Background(), loadgen.Config{Target: srv.URL, Transport: transport, Users: 8,
				RampUp: time.Second, Duration: 6 * time.Second, Think: 150 * time.Millisecond, Grace: 40 * time.Second,
				SignUpFirst: true, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			fault := strings.SplitN(tc.chaos, "=", 2)[0]
			fired := scrape(t, srv.URL, `pam_chaos_faults_total{fault="`+fault+`"}`)
			t.Logf("%s: sent %d answered %d degraded %d errors %d lost %d dup %d reconnects %d/%d, faults fired %v; last error %q",
				tc.name, r.Sent, r.Answered, r.Degraded, r.Errors, r.Lost, r.Duplicated, r.Reconnects, r.Disconnects, fired, r.LastError)
			if fired == 0 {
				t.Fatalf("the fault never fired: the test proves nothing")
			}
			if r.Sent < 10 || r.SetupErrors > 0 {
				t.Fatalf("too little traffic: sent %d, setup errors %d", r.Sent, r.SetupErrors)
			}
			if r.Lost != 0 || r.Duplicated != 0 || r.Errors != 0 || r.Answered != r.Sent {
				t.Fatalf("ladder broken: sent %d answered %d errors %d lost %d duplicated %d (%s)",
					r.Sent, r.Answered, r.Errors, r.Lost, r.Duplicated, r.LastError)
			}
			if tc.wantDegraded && r.Degraded == 0 {
				t.Fatalf("model faults at this rate must make some answers degraded (the rules brain answering)")
			}
			if tc.wantReconnects && (r.Disconnects == 0 || r.Reconnects < r.Disconnects) {
				t.Fatalf("reconnects %d of %d disconnects", r.Reconnects, r.Disconnects)
			}
		})
	}
}

// scrape reads one sample from /metrics (0 when absent).
func scrape(t *testing.T, base, series string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, series+" ") {
			v, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, series)), 64)
			return v
		}
	}
	return 0
}
