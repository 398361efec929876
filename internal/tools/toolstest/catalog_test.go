package toolstest_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools/admin"
	"github.com/pamtravel/pam/internal/tools/budget"
	"github.com/pamtravel/pam/internal/tools/calendar"
	"github.com/pamtravel/pam/internal/tools/fuel"
	"github.com/pamtravel/pam/internal/tools/knowledge"
	"github.com/pamtravel/pam/internal/tools/profile"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

// The trip package's tools are registered elsewhere.
var tripTools = []string{"plan_trip", "estimate_travel_time", "find_rv_parks", "find_attractions", "get_weather_forecast", "find_cheap_gas", "save_favorite_spot"}

func TestRegisteredToolsMatchCatalog(t *testing.T) {
	h := toolstest.New(t, budget.Register, fuel.Register, calendar.Register, profile.Register, knowledge.Register, admin.Register)
	b, err := os.ReadFile("../CATALOG.md")
	if err != nil {
		t.Fatal(err)
	}
	var catalog []string
	for _, m := range regexp.MustCompile(`(?m)^\| ([a-z_]+)`).FindAllStringSubmatch(string(b), -1) {
		if m[1] != "tool" && !slices.Contains(tripTools, m[1]) {
			catalog = append(catalog, m[1])
		}
	}
	var registered []string
	for _, tl := range h.Reg.All() {
		registered = append(registered, tl.Name)
		if tl.Category == "" || (tl.Writes && tl.Idempotent && tl.Confirm) {
			t.Errorf("%s: category %q writes %v idempotent %v confirm %v", tl.Name, tl.Category, tl.Writes, tl.Idempotent, tl.Confirm)
		}
	}
	slices.Sort(catalog)
	if !slices.Equal(catalog, registered) {
		t.Errorf("catalog  %v\nregistry %v", catalog, registered)
	}
	admins := map[string]bool{"add_knowledge": true, "list_users": true, "delete_user": true}
	for _, tl := range h.Reg.All() {
		if tl.Allows(store.RoleUser) == admins[tl.Name] {
			t.Errorf("%s: user allowed = %v", tl.Name, tl.Allows(store.RoleUser))
		}
	}
	confirm := []string{"delete_expense", "delete_calendar_event", "delete_user"}
	for _, name := range confirm {
		if tl, _ := h.Reg.Get(name); tl == nil || !tl.Confirm || tl.Prepare == nil {
			t.Errorf("%s must ask for confirmation", name)
		}
	}
}
