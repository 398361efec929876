package observe_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/app"
	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/llm/llmtest"
)

// One request id travels from the HTTP request through the turn to the
// model provider and back to the client; the turn shows in /metrics and in
// the admin JSON view, which only admins may read.
func TestRequestIDMetricsAndAdminView(t *testing.T) {
	fake := llmtest.NewOpenAI(t)
	fake.Always(llmtest.Text("Moab is sunny this weekend."))
	env := map[string]string{"PAM_MODEL": "openai-compatible:sim", "PAM_OPENAI_BASE_URL": fake.BaseURL(), "PAM_LOG_LEVEL": "info"}
	srv := apptest.Start(t, env)
	user := srv.Register(t)

	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/chat", strings.NewReader(`{"message":"What's the weather in Moab?","client_message_id":"rid-1"}`))
	req.Header.Set("Authorization", "Bearer "+user.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", "trace-abc-12345")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-ID") != "trace-abc-12345" {
		t.Fatalf("chat: %d %s, X-Request-ID %q", resp.StatusCode, body, resp.Header.Get("X-Request-ID"))
	}
	reqs := fake.Requests()
	if len(reqs) == 0 || reqs[0].Header.Get("X-Request-ID") != "trace-abc-12345" {
		t.Fatalf("the model request did not carry the request id: %v", reqs)
	}
	if !strings.Contains(srv.Logs(), `"request_id":"trace-abc-12345"`) {
		t.Fatal("no log line carries the request id")
	}
	var access string
	for _, line := range strings.Split(srv.Logs(), "\n") {
		if strings.Contains(line, `"msg":"http"`) && strings.Contains(line, `"request_id":"trace-abc-12345"`) {
			access = line
		}
	}
	if !strings.Contains(access, `"user_id":"`+user.UserID+`"`) {
		t.Fatalf("the access log line does not name the user: %s", access)
	}

	metrics := srv.Do(t, "GET", "/metrics", "", nil)
	for _, want := range []string{`pam_turn_duration_seconds_count{degraded="false",source=`, `pam_model_request_duration_seconds_count{model=`, "pam_model_attempts_total"} {
		if !strings.Contains(string(metrics.Body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	if r := srv.Do(t, "GET", "/api/v1/observability/metrics", user.AccessToken, nil); r.Status != http.StatusForbidden {
		t.Fatalf("a non-admin read the admin view: %d", r.Status)
	}
	getenv := func(k string) string { return srv.Env[k] }
	err = app.Run(context.Background(), []string{"user", "create", "--email", "ops@example.com", "--password", "correct horse battery", "--role", "admin"},
		getenv, nil, strings.NewReader(""), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	login := srv.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "ops@example.com", "password": "correct horse battery"})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	login.JSON(t, &tok)
	view := srv.Do(t, "GET", "/api/v1/observability/metrics", tok.AccessToken, nil)
	var v map[string]any
	view.JSON(t, &v)
	turns, _ := v["turns"].(map[string]any)
	if view.Status != 200 || turns["count"] != float64(1) || v["monitors"] == nil || v["alerts"] == nil {
		t.Fatalf("admin view: %d %s", view.Status, view.Body)
	}
}
