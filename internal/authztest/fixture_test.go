package authztest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/app"
	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/internal/tools"
	admintools "github.com/pamtravel/pam/internal/tools/admin"
	"github.com/pamtravel/pam/internal/tools/budget"
	"github.com/pamtravel/pam/internal/tools/calendar"
	"github.com/pamtravel/pam/internal/tools/fuel"
	"github.com/pamtravel/pam/internal/tools/knowledge"
	"github.com/pamtravel/pam/internal/tools/profile"
	"github.com/pamtravel/pam/internal/tools/trip"
)

const adminPassword = "correct horse battery staple"

// world is one running PAM with traveller A's data, a second traveller B
// (who owns nothing) and an admin, plus a tool executor over the same
// database for the direct tool sweep.
type world struct {
	srv    *apptest.Server
	secret []byte // the server's HS256 key, generated for this test
	a, b   *apptest.Session
	admin  *apptest.Session

	// ids are A's: expense, expense_chat, event, vehicle, maintenance, trip,
	// conversation, message, reply, spot, savings, compat_conversation.
	ids map[string]string
	// markers are distinctive words only A's data contains.
	markers []string

	store store.Store
	reg   *tools.Registry
	exec  *tools.Executor
}

// newWorld starts PAM and builds A's data through the API, the chat and (for
// what no route or phrase creates) the tool executor acting as A.
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{ids: map[string]string{}, secret: randomSecret(t)}
	dir := t.TempDir()
	env := map[string]string{
		"PAM_DATA_DIR": dir, "PAM_JWT_SECRET": string(w.secret), "PAM_LOG_LEVEL": "error",
		"PAM_LIMIT_USER_PER_MIN": "100000", "PAM_TOOL_LIMITS": "plan_trip=100/1m",
	}
	var out, errOut bytes.Buffer
	if err := app.Run(context.Background(), []string{"user", "create", "--email", "root@example.com", "--password", adminPassword, "--role", "admin"},
		func(k string) string { return env[k] }, nil, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("create admin: %v %s", err, errOut.String())
	}
	w.srv = apptest.Start(t, env)
	w.a, w.b = w.srv.Register(t), w.srv.Register(t)
	w.admin = w.login(t, "root@example.com", adminPassword)
	w.openTools(t, filepath.Join(dir, "pam.db"))
	w.seedA(t)
	return w
}

func randomSecret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return []byte(hex.EncodeToString(b))
}

func (w *world) login(t *testing.T, email, password string) *apptest.Session {
	t.Helper()
	r := w.srv.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
	if r.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	var body struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	r.JSON(t, &body)
	return &apptest.Session{UserID: body.User.ID, Email: email, AccessToken: body.AccessToken, RefreshToken: body.RefreshToken}
}

// openTools opens a second handle on the server's SQLite database and
// registers every tool as internal/app/tools.go does, offline.
func (w *world) openTools(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := storage.Open(ctx, path, storage.Options{Logger: quiet})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	w.store = s
	w.reg = tools.NewRegistry()
	auditor := tools.AuditorFunc(func(context.Context, store.AuditRecord) error { return nil })
	for _, reg := range []func(*tools.Registry, store.Store, tools.Auditor, ...tools.RegisterOption) error{
		budget.Register, fuel.Register, calendar.Register, profile.Register, knowledge.Register, admintools.Register,
	} {
		if err := reg(w.reg, s, auditor, tools.WithLogger(quiet)); err != nil {
			t.Fatalf("register tools: %v", err)
		}
	}
	x := external.New(external.Config{Offline: true}, cache.NewMemory(cache.MemoryOptions{}))
	deps := trip.Deps{Store: s, Weather: x.Weather, Geocoder: x.Geocoder, Router: x.Router, Places: x.Places}
	if err := trip.Register(w.reg, deps); err != nil {
		t.Fatalf("register trip tools: %v", err)
	}
	w.exec = tools.NewExecutor(w.reg, tools.ExecutorOptions{Auditor: auditor, Logger: quiet, MaxRetries: -1})
}

// call runs a tool directly as the session's user with the given role.
func (w *world) call(t *testing.T, userID, role, tool, args string) tools.Result {
	t.Helper()
	u, err := w.store.UserByID(context.Background(), userID)
	if err != nil {
		t.Fatalf("load user: %v", err)
	}
	return w.exec.Execute(context.Background(), tools.Call{ID: "authz-1", Tool: tool, Args: json.RawMessage(args),
		UserID: userID, Role: role, RequestID: "authz", Settings: u.Settings})
}

// chat sends one native chat turn and returns the decoded answer.
func (w *world) chat(t *testing.T, token, text string) chatAnswer {
	t.Helper()
	r := w.srv.Do(t, "POST", "/api/v1/chat", token, map[string]string{"message": text})
	if r.Status != http.StatusOK {
		t.Fatalf("chat %q: %d %s", text, r.Status, r.Body)
	}
	var a chatAnswer
	r.JSON(t, &a)
	return a
}

type chatAnswer struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	Reply          string `json:"reply"`
	ToolCalls      []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"tool_calls"`
}

func (a chatAnswer) used(t *testing.T, tool, status string) {
	t.Helper()
	for _, c := range a.ToolCalls {
		if c.Name == tool && c.Status == status {
			return
		}
	}
	t.Fatalf("chat did not run %s → %s: %+v (%q)", tool, status, a.ToolCalls, a.Reply)
}

// list decodes a list answer's items as generic objects.
func list(t *testing.T, r *apptest.Response) []map[string]any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	var body struct {
		Items []map[string]any `json:"items"`
	}
	r.JSON(t, &body)
	return body.Items
}

func firstID(t *testing.T, items []map[string]any, what string) string {
	t.Helper()
	if len(items) == 0 {
		t.Fatalf("no %s", what)
	}
	id, _ := items[0]["id"].(string)
	if id == "" {
		t.Fatalf("%s without id: %v", what, items[0])
	}
	return id
}

func mustStatus(t *testing.T, r tools.Result, want tools.Status) tools.Result {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %s, want %s: %s %s", r.Status, want, r.Error, r.Summary)
	}
	return r
}

func dataID(t *testing.T, r tools.Result, key string) string {
	t.Helper()
	raw, _ := json.Marshal(r.Data)
	var m map[string]map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	id, _ := m[key]["id"].(string)
	if id == "" {
		t.Fatalf("no %s.id in %s", key, raw)
	}
	return id
}

// seedA creates A's data: each through the way a traveller would create it.
func (w *world) seedA(t *testing.T) {
	t.Helper()
	a, tok := w.a, w.a.AccessToken
	w.markers = []string{"zebrafish", "quokka", "okapi", "platypus", "axolotl", "pangolin", "capybara", "marmoset", "wombat", a.Email}

	r := w.srv.Do(t, "POST", "/api/v1/expenses", tok, map[string]any{
		"amount": map[string]string{"amount": "45.20", "currency": "USD"}, "category": "fuel",
		"merchant": "Zebrafish Fuel Co", "description": "diesel near the zebrafish pond"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create expense: %d %s", r.Status, r.Body)
	}
	var exp struct{ ID string }
	r.JSON(t, &exp)
	w.ids["expense"] = exp.ID

	first := w.chat(t, tok, "I spent $12.34 on lunch at Quokka Diner")
	first.used(t, "create_expense", "ok")
	w.ids["conversation"], w.ids["reply"] = first.ConversationID, first.MessageID
	msgs := list(t, w.srv.Do(t, "GET", "/api/v1/conversations/"+first.ConversationID+"/messages", tok, nil))
	for _, m := range msgs {
		if m["role"] == "user" {
			w.ids["message"], _ = m["id"].(string)
			w.ids["client_message"], _ = m["client_message_id"].(string)
		}
	}
	if w.ids["message"] == "" {
		t.Fatalf("no user message in %v", msgs)
	}
	for _, e := range list(t, w.srv.Do(t, "GET", "/api/v1/expenses", tok, nil)) {
		if id, _ := e["id"].(string); id != w.ids["expense"] {
			w.ids["expense_chat"] = id
		}
	}

	w.chat(t, tok, "Set my fuel budget to $432 a month").used(t, "update_budget", "ok")
	w.chat(t, tok, "filled up 25 gallons for $87.50 at Pilot").used(t, "add_fuel_entry", "ok")
	w.chat(t, tok, "plan a trip from Denver to Moab").used(t, "plan_trip", "ok")
	w.ids["trip"] = firstID(t, list(t, w.srv.Do(t, "GET", "/api/v1/trips", tok, nil)), "trip")
	w.chat(t, tok, "remind me to feed the okapi tomorrow at 2:30 pm").used(t, "create_calendar_event", "ok")
	w.ids["event"] = firstID(t, list(t, w.srv.Do(t, "GET", "/api/v1/calendar?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", tok, nil)), "calendar event")

	// No phrase or route creates vehicles, maintenance or spots without a
	// location, so A's own tool calls do (the same executor code the chat runs).
	w.ids["vehicle"] = dataID(t, mustStatus(t, w.call(t, a.UserID, store.RoleUser, "create_vehicle", `{"name":"Platypus Cruiser","make":"Winnebago","odometer":"48000"}`), tools.StatusOK), "vehicle")
	w.ids["maintenance"] = dataID(t, mustStatus(t, w.call(t, a.UserID, store.RoleUser, "log_maintenance",
		`{"task":"Axolotl axle service","vehicle_id":"`+w.ids["vehicle"]+`","cost":"120","next_due_date":"2099-01-01"}`), tools.StatusOK), "record")
	w.ids["spot"] = dataID(t, mustStatus(t, w.call(t, a.UserID, store.RoleUser, "save_favorite_spot", `{"name":"Pangolin Point","lat":38.57,"lng":-109.55,"notes":"pangolin view"}`), tools.StatusOK), "spot")

	if r := w.srv.Do(t, "POST", "/api/v1/messages/"+w.ids["reply"]+"/feedback", tok, map[string]string{"rating": "up", "note": "marmoset approves"}); r.Status != http.StatusOK {
		t.Fatalf("feedback: %d %s", r.Status, r.Body)
	}
	r = w.srv.Do(t, "POST", "/api/v1/pam/savings/record", tok, map[string]any{"amount_saved": "15.00", "baseline_cost": "60.00", "optimized_cost": "45.00",
		"category": "camping", "description": "capybara campground discount"})
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		t.Fatalf("record savings: %d %s", r.Status, r.Body)
	}
	if r := w.srv.Do(t, "PUT", "/api/v1/pam/context", tok, map[string]any{"current_page": "wombat-planner"}); r.Status != http.StatusOK {
		t.Fatalf("put context: %d %s", r.Status, r.Body)
	}
	r = w.srv.Do(t, "POST", "/api/v1/pam/chat", tok, map[string]string{"message": "how much have I spent this week", "session_id": "sess-a"})
	if r.Status != http.StatusOK {
		t.Fatalf("compat chat: %d %s", r.Status, r.Body)
	}

	// Last, a pending delete: A asked to delete the chat expense and has not said yes.
	w.chat(t, tok, "delete my last expense").used(t, "delete_expense", "needs_confirmation")
	for k, v := range w.ids {
		if v == "" {
			t.Fatalf("seed: no %s id", k)
		}
	}
}

// snapshot is what A can see of their data, to prove nothing changed.
type snapshot map[string]string

func (w *world) snapshotA(t *testing.T) snapshot {
	t.Helper()
	tok := w.a.AccessToken
	snap := snapshot{}
	for name, path := range map[string]string{
		"expenses": "/api/v1/expenses", "budgets": "/api/v1/budgets", "fuel": "/api/v1/fuel", "trips": "/api/v1/trips",
		"calendar": "/api/v1/calendar?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", "vehicles": "/api/v1/vehicles",
		"conversations": "/api/v1/conversations", "messages": "/api/v1/conversations/" + w.ids["conversation"] + "/messages",
		"savings": "/api/v1/pam/savings/recent", "context": "/api/v1/pam/context", "me": "/api/v1/me",
	} {
		r := w.srv.Do(t, "GET", path, tok, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("A's %s: %d %s", name, r.Status, r.Body)
		}
		snap[name] = stripVolatile(r.Body)
	}
	ctx := context.Background()
	maint, err := w.store.ListMaintenance(ctx, w.a.UserID, "")
	if err != nil {
		t.Fatal(err)
	}
	favs, err := w.store.ListFavorites(ctx, w.a.UserID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal([]any{maint, favs})
	snap["maintenance+spots"] = string(raw)
	return snap
}

// stripVolatile drops fields that change without anyone writing (last_active_at
// style timestamps are not part of the data being protected).
func stripVolatile(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k := range x {
				if strings.Contains(k, "last_") || k == "timestamp" || k == "request_id" || k == "generated_at" || k == "as_of" {
					delete(x, k)
					continue
				}
				x[k] = walk(x[k])
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return x
	}
	out, _ := json.Marshal(walk(v))
	return string(out)
}

func (s snapshot) diff(t *testing.T, after snapshot) {
	t.Helper()
	for k, v := range s {
		if after[k] != v {
			t.Errorf("A's %s changed while B attacked:\nbefore %s\nafter  %s", k, v, after[k])
		}
	}
}

// leaks returns which of A's ids or markers body contains, ignoring those
// the request itself carried (an echo of the caller's own input is no leak).
func (w *world) leaks(body []byte, sent string) []string {
	low := strings.ToLower(string(body))
	sent = strings.ToLower(sent)
	var found []string
	check := func(s string) {
		s = strings.ToLower(s)
		if s != "" && strings.Contains(low, s) && !strings.Contains(sent, s) {
			found = append(found, s)
		}
	}
	for _, id := range w.ids {
		check(id)
	}
	check(w.a.UserID)
	for _, m := range w.markers {
		check(m)
	}
	return found
}
