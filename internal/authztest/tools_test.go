package authztest

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// toolCase is one registered tool run by B with A's ids as arguments (the
// schemas refuse unknown properties, so creates carry no ids: B creating its
// own things, with A's "user_id" injected, must not touch A's data).
type toolCase struct {
	tool string
	args string // {A:name} placeholders as in routeTable
	// denied: the call names A's things and must fail; otherwise it may
	// succeed on B's own (empty) data.
	denied bool
	// adminOnly: a plain user must get "unauthorized".
	adminOnly bool
}

// toolTable covers every registered tool; TestCrossUserTools fails when a
// tool is registered without a case here.
var toolTable = []toolCase{
	{tool: "create_expense", args: `{"amount":"1.00","category":"food","description":"B's snack"}`},
	{tool: "update_expense", args: `{"expense_id":"{A:expense}","amount":"0.01","description":"B was here"}`, denied: true},
	{tool: "update_expense", args: `{"expense_id":"{A:expense_chat}","category":"other"}`, denied: true},
	{tool: "delete_expense", args: `{"expense_id":"{A:expense}"}`, denied: true},
	{tool: "delete_expense", args: `{"last":true}`}, // B's own last expense (the create above), never A's
	{tool: "get_spending_summary", args: `{"period":"all"}`},
	{tool: "update_budget", args: `{"category":"fuel","amount":"1","period":"monthly"}`},
	{tool: "analyze_budget", args: `{"period":"this_month"}`},
	{tool: "compare_vs_budget", args: `{"category":"fuel"}`},
	{tool: "predict_end_of_month", args: `{"category":"fuel"}`},
	{tool: "track_savings", args: `{"category":"fuel","description":"B's saving","baseline":"2","optimized":"1"}`},
	{tool: "get_savings_summary", args: `{"period":"all"}`},
	{tool: "export_budget_report", args: `{"format":"json","period":"all"}`},
	{tool: "add_fuel_entry", args: `{"volume":"10","volume_unit":"gal","total":"30","vehicle_id":"{A:vehicle}","odometer":"99999"}`, denied: true},
	{tool: "get_fuel_stats", args: `{"period":"all","vehicle_id":"{A:vehicle}"}`},
	{tool: "calculate_gas_cost", args: `{"distance":"100","distance_unit":"mi","consumption":"10","fuel_price":"3"}`},
	{tool: "find_cheap_gas", args: `{"lat":38.57,"lng":-109.55}`},
	{tool: "create_vehicle", args: `{"name":"B's van"}`},
	{tool: "log_maintenance", args: `{"task":"B's oil change","vehicle_id":"{A:vehicle}"}`, denied: true},
	{tool: "get_maintenance_due", args: `{"vehicle_id":"{A:vehicle}"}`},
	{tool: "plan_trip", args: `{"origin":"Denver","destination":"Moab","name":"{A:trip}"}`},
	{tool: "estimate_travel_time", args: `{"origin":"Denver","destination":"Moab"}`},
	{tool: "find_rv_parks", args: `{"lat":38.57,"lng":-109.55}`},
	{tool: "find_attractions", args: `{"lat":38.57,"lng":-109.55}`},
	{tool: "get_weather_forecast", args: `{"lat":38.57,"lng":-109.55,"days":1}`},
	{tool: "save_favorite_spot", args: `{"name":"B's spot","lat":1,"lng":1}`},
	{tool: "create_calendar_event", args: `{"title":"B's event","start":"2099-01-01T10:00"}`},
	{tool: "get_calendar_events", args: `{"from":"2000-01-01","to":"2099-12-31"}`},
	{tool: "update_calendar_event", args: `{"event_id":"{A:event}","title":"B was here"}`, denied: true},
	{tool: "delete_calendar_event", args: `{"event_id":"{A:event}"}`, denied: true},
	{tool: "get_profile", args: `{}`},
	{tool: "update_profile", args: `{"display_name":"B renamed"}`},
	{tool: "update_settings", args: `{"currency":"EUR"}`},
	{tool: "export_data", args: `{"section":"expenses","cursor":"{A:expense}"}`},
	{tool: "export_data", args: `{"section":"calendar"}`},
	{tool: "search_knowledge", args: `{"query":"winterize"}`},
	{tool: "add_knowledge", args: `{"title":"B's tip","content":"nothing"}`, adminOnly: true},
	{tool: "list_users", args: `{}`, adminOnly: true},
	{tool: "delete_user", args: `{"user_id":"{A:user}"}`, adminOnly: true},
}

// TestCrossUserTools runs every registered tool through the executor as B
// with A's ids and a model-supplied "user_id" of A: each call naming A's
// things fails, none shows A's data, admin tools refuse a plain user, and
// A's data is unchanged afterwards (checked as A through the API).
func TestCrossUserTools(t *testing.T) {
	w := newWorld(t)
	checkToolCoverage(t, w)
	before := w.snapshotA(t)
	amounts := []string{"45.20", "12.34", "87.50", "432.00", "120.00"}

	for _, tc := range toolTable {
		for _, inject := range []bool{false, true} {
			args := w.fill(tc.args)
			if inject {
				args = withUserID(t, args, w.a.UserID)
			}
			name := tc.tool + " " + args
			t.Run(name, func(t *testing.T) {
				res := w.call(t, w.b.UserID, store.RoleUser, tc.tool, args)
				if res.Status == tools.StatusNeedsConfirmation {
					if tc.denied {
						t.Errorf("a call on A's thing was held for B to confirm: %s", res.Summary)
					}
					id, _ := res.Data.(map[string]any)["action_id"].(string)
					res = w.exec.Confirm(context.Background(), w.b.UserID, id)
				}
				switch {
				case tc.adminOnly:
					if res.Status != tools.StatusUnauthorized {
						t.Errorf("admin tool as a plain user: %s %s", res.Status, res.Error)
					}
				case tc.denied:
					if res.Status == tools.StatusOK || res.Status == tools.StatusPartial {
						t.Errorf("B acted on A's thing: %s %s", res.Status, res.Summary)
					}
				}
				raw, _ := json.Marshal(res)
				raw = append(raw, res.Summary+res.Error+res.Banner...)
				if l := w.leaks(raw, args); len(l) > 0 {
					t.Errorf("result shows A's %v: %.600s", l, raw)
				}
				if res.Status == tools.StatusOK && !strings.HasPrefix(tc.tool, "find_") && !strings.HasPrefix(tc.tool, "get_weather") &&
					tc.tool != "calculate_gas_cost" && tc.tool != "estimate_travel_time" && tc.tool != "plan_trip" {
					for _, a := range amounts {
						if strings.Contains(string(raw), a) {
							t.Errorf("result shows A's amount %s: %.600s", a, raw)
						}
					}
				}
			})
		}
	}
	before.diff(t, w.snapshotA(t))
}

// checkToolCoverage: every tool the executor knows has a case, and the
// server's own registry (GET /api/v1/tools as admin) has the same tools, so
// a new tool registered in internal/app/tools.go also needs a case.
func checkToolCoverage(t *testing.T, w *world) {
	t.Helper()
	covered := map[string]bool{}
	for _, tc := range toolTable {
		covered[tc.tool] = true
	}
	mine := map[string]bool{}
	for _, tl := range w.reg.All() {
		mine[tl.Name] = true
		if !covered[tl.Name] {
			t.Errorf("tool %q has no case in toolTable", tl.Name)
		}
		if tl.Allows(store.RoleUser) == (tcAdminOnly(tl.Name)) {
			t.Errorf("tool %q: toolTable's adminOnly disagrees with its roles %v", tl.Name, tl.Roles)
		}
	}
	var served []string
	for _, it := range list(t, w.srv.Do(t, "GET", "/api/v1/tools", w.admin.AccessToken, nil)) {
		name, _ := it["name"].(string)
		served = append(served, name)
		if !mine[name] {
			t.Errorf("the server registers %q, which this sweep's registry lacks (update openTools)", name)
		}
	}
	sort.Strings(served)
	if len(served) != len(mine) {
		t.Errorf("server has %d tools %v, sweep has %d", len(served), served, len(mine))
	}
	// A plain user is not even offered the admin tools.
	for _, it := range list(t, w.srv.Do(t, "GET", "/api/v1/tools", w.b.AccessToken, nil)) {
		if name, _ := it["name"].(string); tcAdminOnly(name) {
			t.Errorf("plain user is offered admin tool %q", name)
		}
	}
}

func tcAdminOnly(name string) bool {
	for _, tc := range toolTable {
		if tc.tool == name {
			return tc.adminOnly
		}
	}
	return false
}

func withUserID(t *testing.T, args, userID string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(args), &m); err != nil {
		t.Fatalf("args %s: %v", args, err)
	}
	m["user_id"] = userID
	b, _ := json.Marshal(m)
	return string(b)
}

// TestPendingActionsStayWithTheirUser: B can neither confirm nor cancel A's
// held delete by its action id, through the executor or by saying "yes" in
// the chat; A still can.
func TestPendingActionsStayWithTheirUser(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	res := mustStatus(t, w.call(t, w.a.UserID, store.RoleUser, "delete_expense", `{"expense_id":"`+w.ids["expense"]+`"}`), tools.StatusNeedsConfirmation)
	actionID, _ := res.Data.(map[string]any)["action_id"].(string)
	if actionID == "" {
		t.Fatalf("no action id: %+v", res.Data)
	}
	if got := w.exec.Confirm(ctx, w.b.UserID, actionID); got.Status == tools.StatusOK {
		t.Fatalf("B confirmed A's action: %+v", got)
	}
	if w.exec.Cancel(context.Background(), w.b.UserID, actionID) {
		t.Fatal("B cancelled A's action")
	}
	if got := w.exec.PendingFor(context.Background(), w.b.UserID); len(got) != 0 {
		t.Fatalf("B sees pending actions: %+v", got)
	}
	// The server's executor holds A's chat delete ("delete my last expense"):
	// B's "yes" must not run it.
	before := w.snapshotA(t)
	ans := w.chat(t, w.b.AccessToken, "yes")
	for _, c := range ans.ToolCalls {
		if c.Status == "ok" {
			t.Errorf("B's yes ran %s", c.Name)
		}
	}
	before.diff(t, w.snapshotA(t))
	// The control: A's own confirmation still works, in both places.
	mustStatus(t, w.exec.Confirm(ctx, w.a.UserID, actionID), tools.StatusOK)
	if _, err := w.store.ExpenseByID(ctx, w.a.UserID, w.ids["expense"]); !store.IsNotFound(err) {
		t.Fatalf("A's confirmed delete did not delete: %v", err)
	}
	ans = w.chat(t, w.a.AccessToken, "yes")
	ans.used(t, "delete_expense", "ok")
	if r := w.srv.Do(t, "GET", "/api/v1/me", w.a.AccessToken, nil); r.Status != http.StatusOK {
		t.Fatalf("A: %d", r.Status)
	}
}
