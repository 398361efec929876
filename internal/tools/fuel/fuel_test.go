package fuel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/fuel"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

func setup(t *testing.T, set store.Settings) (*toolstest.Harness, *store.User) {
	t.Helper()
	h := toolstest.New(t, fuel.Register)
	return h, h.User(t, "ann@example.com", set)
}

func TestFillUpArithmetic(t *testing.T) {
	h, u := setup(t, store.Settings{})
	tests := []struct {
		name, args           string
		status               tools.Status
		volume, price, total string
		errText              string
	}{
		{"volume and price", `{"volume":"12.5","price_per_unit":"3.459"}`, tools.StatusOK, "12.5", "3.46", "43.24", ""},
		{"volume and total", `{"volume":"20","total":"65.99"}`, tools.StatusOK, "20", "3.30", "65.99", ""},
		{"price and total", `{"price_per_unit":"3.50","total":"70"}`, tools.StatusOK, "20", "3.50", "70.00", ""},
		{"all three agree", `{"volume":"10","price_per_unit":"3.999","total":"39.99"}`, tools.StatusOK, "10", "4.00", "39.99", ""},
		{"all three disagree", `{"volume":"10","price_per_unit":"4","total":"60"}`, tools.StatusInvalidArguments, "", "", "", "don't agree"},
		{"only one", `{"total":"60"}`, tools.StatusInvalidArguments, "", "", "", "two of these"},
		{"zero volume", `{"volume":"0","total":"60"}`, tools.StatusInvalidArguments, "", "", "", "more than 0"},
		{"total too big", `{"volume":"10","total":"1000000"}`, tools.StatusInvalidArguments, "", "", "", "between 0.01 and 999,999.99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.Call(t, u, "add_fuel_entry", tt.args)
			if res.Status != tt.status || !strings.Contains(res.Error, tt.errText) {
				t.Fatalf("status %s %q, want %s %q", res.Status, res.Error, tt.status, tt.errText)
			}
			if tt.status != tools.StatusOK {
				return
			}
			e := toolstest.Data(t, res)["entry"].(map[string]any)
			if e["volume"] != tt.volume || e["price_per_unit"].(map[string]any)["amount"] != tt.price || e["total"].(map[string]any)["amount"] != tt.total {
				t.Errorf("entry %v", e)
			}
		})
	}
}

func TestFillUpConsumptionAndExpense(t *testing.T) {
	h, u := setup(t, store.Settings{})
	ctx := context.Background()
	veh := toolstest.MustOK(t, h.Call(t, u, "create_vehicle", `{"name":"Big Bertha","make":"Winnebago","year":2019,"odometer":"9900"}`))
	vid := veh.UIActions[0].EntityID
	toolstest.MustOK(t, h.Call(t, u, "add_fuel_entry", `{"volume":"25","price_per_unit":"3.40","odometer":"10000","station":"Shell","date":"2026-11-20"}`))
	res := toolstest.MustOK(t, h.Call(t, u, "add_fuel_entry", `{"volume":"30","total":"105","odometer":"10300","station":"Chevron"}`))
	d := toolstest.Data(t, res)
	cons, _ := d["consumption"].(map[string]any)
	if cons == nil || cons["value"] != "10.0" || cons["unit"] != "mpg" {
		t.Fatalf("consumption %v", d["consumption"])
	}
	if want := "Logged 30 gal at $3.50/gal ($105.00) at Chevron on Nov 24. That's 10.0 mpg over 300 mi since your last fill-up."; res.Summary != want {
		t.Errorf("summary %q\nwant    %q", res.Summary, want)
	}
	if d["entry"].(map[string]any)["vehicle_id"] != vid {
		t.Errorf("the only vehicle was not used: %v", d["entry"])
	}
	if len(res.UIActions) != 2 || res.UIActions[0].Type != tools.ReloadFuel || res.UIActions[1].Type != tools.ReloadExpenses {
		t.Errorf("ui actions %+v", res.UIActions)
	}
	sums, err := h.S.SumExpenses(ctx, u.ID, store.ExpenseFilter{Category: "fuel"})
	if err != nil || sums["fuel"].StringFixed(2) != "190.00" {
		t.Errorf("fuel expenses %v %v, want 190.00", sums, err)
	}
	v, _ := h.S.VehicleByID(ctx, u.ID, vid)
	if v.Odometer.Decimal.String() != "10300" {
		t.Errorf("vehicle odometer %v", v.Odometer)
	}
	stats := toolstest.MustOK(t, h.Call(t, u, "get_fuel_stats", `{}`))
	sd := toolstest.Data(t, stats)
	if sd["fill_ups"].(float64) != 2 || sd["total_volume"] != "55" || sd["total_cost"].(map[string]any)["amount"] != "190.00" ||
		sd["avg_price"].(map[string]any)["amount"] != "3.45" || sd["consumption"].(map[string]any)["value"] != "10.0" {
		t.Errorf("stats %v", sd)
	}
	if len(h.Audit.Kind(tools.AuditKindMoney)) < 2 {
		t.Error("fill-up arithmetic not audited")
	}
}

func TestMetricConsumption(t *testing.T) {
	h, u := setup(t, store.Settings{Units: "metric", Currency: "EUR"})
	toolstest.MustOK(t, h.Call(t, u, "add_fuel_entry", `{"volume":"50","price_per_unit":"1.80","odometer":"20000"}`))
	res := toolstest.MustOK(t, h.Call(t, u, "add_fuel_entry", `{"volume":"60","price_per_unit":"1.75","odometer":"20500"}`))
	cons := toolstest.Data(t, res)["consumption"].(map[string]any)
	if cons["value"] != "12.0" || cons["unit"] != "L/100km" || !strings.Contains(res.Summary, "€105.00") {
		t.Errorf("consumption %v summary %q", cons, res.Summary)
	}
}

func TestCalculateGasCost(t *testing.T) {
	h, u := setup(t, store.Settings{})
	if r := h.Call(t, u, "calculate_gas_cost", `{"distance":"300"}`); r.Status != tools.StatusInvalidArguments || !strings.Contains(r.Error, "per gallon") {
		t.Fatalf("no price, no history: %s %q", r.Status, r.Error)
	}
	tests := []struct {
		args, needed, cost string
	}{
		{`{"distance":"300","consumption":"8","fuel_price":"4.00"}`, "37.5", "150.00"},
		{`{"distance":"482.8032","distance_unit":"km","consumption":"10","fuel_price":"3.00"}`, "30", "90.00"},
		{`{"distance":"100","fuel_price":"3"}`, "10", "30.00"}, // typical RV 10 mpg
	}
	for _, tt := range tests {
		r := toolstest.MustOK(t, h.Call(t, u, "calculate_gas_cost", tt.args))
		d := toolstest.Data(t, r)
		if d["fuel_needed"] != tt.needed || d["cost"].(map[string]any)["amount"] != tt.cost {
			t.Errorf("%s: %v", tt.args, d)
		}
	}
	toolstest.MustOK(t, h.Call(t, u, "add_fuel_entry", `{"volume":"10","price_per_unit":"5.00"}`))
	r := toolstest.MustOK(t, h.Call(t, u, "calculate_gas_cost", `{"distance":"50","consumption":"10"}`))
	if d := toolstest.Data(t, r); d["cost"].(map[string]any)["amount"] != "25.00" || !strings.Contains(r.Summary, "last fill-up's price") {
		t.Errorf("price from history: %v %q", d, r.Summary)
	}
}

func TestVehiclesAndMaintenance(t *testing.T) {
	h, u := setup(t, store.Settings{})
	other := h.User(t, "bob@example.com", store.Settings{})
	veh := toolstest.MustOK(t, h.Call(t, u, "create_vehicle", `{"name":"Bertha","odometer":"44800"}`))
	vid := veh.UIActions[0].EntityID
	if r := h.Call(t, u, "create_vehicle", `{"name":"X","year":1700}`); r.Status != tools.StatusInvalidArguments {
		t.Errorf("year 1700 accepted")
	}
	// Another user's vehicle id is simply not found.
	for _, args := range []string{
		`{"volume":"10","total":"30","vehicle_id":"` + vid + `"}`,
	} {
		if r := h.Call(t, other, "add_fuel_entry", args); r.Status != tools.StatusNoResults {
			t.Errorf("other user's vehicle: %s", r.Status)
		}
	}
	if r := h.Call(t, other, "get_maintenance_due", `{"vehicle_id":"`+vid+`"}`); r.Status != tools.StatusNoResults || strings.Contains(r.Summary, "Bertha") {
		t.Errorf("other user's maintenance: %s %q", r.Status, r.Summary)
	}
	res := toolstest.MustOK(t, h.Call(t, u, "log_maintenance", `{"task":"Oil change","date":"2026-08-01","cost":"89.99","next_due_date":"2026-11-20","odometer":"40000","next_due_odometer":"45000"}`))
	if !strings.Contains(res.Summary, "Logged Oil change on Aug 1 ($89.99). Next due Nov 20 or at 45,000 mi.") {
		t.Errorf("summary %q", res.Summary)
	}
	toolstest.MustOK(t, h.Call(t, u, "log_maintenance", `{"task":"Tire rotation","next_due_date":"2026-12-10"}`))
	toolstest.MustOK(t, h.Call(t, u, "log_maintenance", `{"task":"Generator service","next_due_odometer":"45100"}`))
	toolstest.MustOK(t, h.Call(t, u, "log_maintenance", `{"task":"Roof reseal","next_due_date":"2027-06-01"}`))
	if r := h.Call(t, u, "log_maintenance", `{"task":"x","cost":"0"}`); r.Status != tools.StatusInvalidArguments {
		t.Errorf("zero cost accepted")
	}
	sums, _ := h.S.SumExpenses(context.Background(), u.ID, store.ExpenseFilter{})
	if sums["maintenance"].StringFixed(2) != "89.99" {
		t.Errorf("maintenance expense %v", sums)
	}
	due := toolstest.MustOK(t, h.Call(t, u, "get_maintenance_due", `{}`))
	d := toolstest.Data(t, due)
	tasks := func(k string) string {
		var out []string
		for _, it := range d[k].([]any) {
			out = append(out, it.(map[string]any)["task"].(string))
		}
		return strings.Join(out, ",")
	}
	if tasks("due") != "Oil change" || !strings.Contains(tasks("upcoming"), "Tire rotation") || !strings.Contains(tasks("upcoming"), "Generator service") || strings.Contains(tasks("upcoming"), "Roof") {
		t.Errorf("due %q upcoming %q", tasks("due"), tasks("upcoming"))
	}
}
