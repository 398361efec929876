package compattest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/compattest"
)

func rest(t *testing.T, c *compattest.Client, method, path string, body any, wantStatus int) map[string]any {
	t.Helper()
	status, raw, err := c.Do(ctxT(t), method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	if status != wantStatus {
		t.Fatalf("%s %s = %d %s, want %d", method, path, status, raw, wantStatus)
	}
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return out
}

func TestRESTHistoryContextFeedbackHealth(t *testing.T) {
	srv := apptest.Start(t, nil)
	c, _ := app(t, srv, nil)
	ctx := ctxT(t)
	r, err := c.RESTChat(ctx, diesel, nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("chat: %+v %v", r, err)
	}
	var chat map[string]any
	_ = json.Unmarshal(r.Raw, &chat)

	h := rest(t, c, "GET", "/api/v1/pam/history?limit=10", nil, http.StatusOK)
	msgs, _ := h["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("history = %v", h)
	}
	last := msgs[1].(map[string]any)
	if last["role"] != "assistant" || last["content"] != r.Text || last["id"] != chat["message_id"] {
		t.Fatalf("last history message = %v, chat %v", last, chat)
	}
	rest(t, c, "GET", "/api/v1/pam/history?limit=0", nil, http.StatusBadRequest)

	out := rest(t, c, "DELETE", "/api/v1/pam/history", nil, http.StatusOK)
	if out["success"] != true {
		t.Fatalf("delete history = %v", out)
	}
	h = rest(t, c, "GET", "/api/v1/pam/history", nil, http.StatusOK)
	if msgs, _ := h["messages"].([]any); len(msgs) != 0 {
		t.Fatalf("history after delete = %v", h)
	}

	rest(t, c, "PUT", "/api/v1/pam/context", map[string]any{"context": map[string]any{"travelStyle": "slow", "userLocation": map[string]any{"lat": 36.1, "lng": -115.2}}}, http.StatusOK)
	rest(t, c, "PUT", "/api/v1/pam/context", map[string]any{"vehicleInfo": map[string]any{"fuel": "diesel"}}, http.StatusOK)
	got := rest(t, c, "GET", "/api/v1/pam/context", nil, http.StatusOK)
	cc, _ := got["context"].(map[string]any)
	if cc["travelStyle"] != "slow" || cc["vehicleInfo"] == nil || cc["userLocation"] == nil {
		t.Fatalf("context = %v", got)
	}
	bad := rest(t, c, "PUT", "/api/v1/pam/context", map[string]any{"userLocation": map[string]any{"lat": 100, "lng": 0}}, http.StatusBadRequest)
	if bad["error_code"] != "VALIDATION_ERROR" || bad["detail"] == "" {
		t.Fatalf("bad context answer = %v", bad)
	}

	fb := rest(t, c, "POST", "/api/v1/pam/feedback", map[string]any{"message_id": chat["message_id"], "rating": 5, "feedback": "great, call me at 555-123-4567"}, http.StatusOK)
	if fb["success"] != true {
		t.Fatalf("feedback = %v", fb)
	}
	rest(t, c, "POST", "/api/v1/pam/feedback", map[string]any{"rating": 9}, http.StatusBadRequest)

	resp, err := http.Get(srv.URL + "/api/v1/pam/health")
	if err != nil {
		t.Fatal(err)
	}
	var health map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || health["status"] != "healthy" || health["service"] != "pam" {
		t.Fatalf("health = %d %v", resp.StatusCode, health)
	}

	// Without a token: 401 in the app's shape.
	anon := compattest.New(compattest.Options{BaseURL: srv.URL})
	sc, body, _ := anon.Do(ctx, "GET", "/api/v1/pam/history", nil)
	if sc != http.StatusUnauthorized || !strings.Contains(string(body), `"detail"`) {
		t.Fatalf("anonymous history = %d %s", sc, body)
	}
}

func TestCORSPreflight(t *testing.T) {
	srv := apptest.Start(t, nil)
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/api/v1/pam/chat", nil)
	req.Header.Set("Origin", "https://wheelsandwins.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
}

func TestSavingsRoutes(t *testing.T) {
	srv := apptest.Start(t, nil)
	c, _ := app(t, srv, nil)
	m := rest(t, c, "GET", "/api/v1/pam/savings/monthly", nil, http.StatusOK)
	if m["savings_count"] != float64(0) || m["guarantee_met"] != false {
		t.Fatalf("empty month = %v", m)
	}
	rest(t, c, "POST", "/api/v1/pam/savings/record", map[string]any{"amount_saved": 4.10, "category": "fuel", "description": "Cheaper diesel at Pilot", "event_type": "gas"}, http.StatusCreated)
	rest(t, c, "POST", "/api/v1/pam/savings/record", map[string]any{"baseline_cost": "45.00", "optimized_cost": "35.10", "category": "camping", "description": "Free campsite"}, http.StatusCreated)
	for _, bad := range []map[string]any{
		{"amount_saved": "abc", "description": "x"},
		{"amount_saved": 0, "description": "x"},
		{"amount_saved": 5, "category": "casino", "description": "x"},
		{"amount_saved": 5},
		{"baseline_cost": 10, "optimized_cost": 4, "amount_saved": 5, "description": "x"},
	} {
		rest(t, c, "POST", "/api/v1/pam/savings/record", bad, http.StatusBadRequest)
	}
	// Exact decimals: 4.10 + 9.90 = 14.00, the guarantee.
	status, raw, err := c.Do(ctxT(t), "GET", "/api/v1/pam/savings/monthly", nil)
	if err != nil || status != http.StatusOK {
		t.Fatal(status, err)
	}
	for _, want := range []string{`"total_savings":14.00`, `"savings_count":2`, `"subscription_cost":14.00`, `"savings_shortfall":0.00`, `"percentage_achieved":100.00`, `"guarantee_met":true`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("monthly %s lacks %s", raw, want)
		}
	}
	g := rest(t, c, "GET", "/api/v1/pam/savings/guarantee-status", nil, http.StatusOK)
	if g["guarantee_met"] != true {
		t.Fatalf("guarantee = %v", g)
	}
	status, raw, _ = c.Do(ctxT(t), "GET", "/api/v1/pam/savings/recent?limit=1", nil)
	var recent []map[string]any
	if status != http.StatusOK || json.Unmarshal(raw, &recent) != nil || len(recent) != 1 || recent[0]["category"] != "camping" ||
		!strings.Contains(string(raw), `"amount_saved":9.90`) {
		t.Fatalf("recent = %d %s", status, raw)
	}
	rest(t, c, "GET", "/api/v1/pam/savings/recent?days=0", nil, http.StatusBadRequest)
}
