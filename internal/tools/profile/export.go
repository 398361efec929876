package profile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// Sections of export_data; the first is the default.
var Sections = []string{"profile", "expenses", "budgets", "fuel", "vehicles", "maintenance", "trips", "calendar", "savings", "favorites", "conversations"}

func sectionEnum() string { return `["` + strings.Join(Sections, `","`) + `"]` }

// exportPage is the page size of the paged sections.
const exportPage = 50

func (svc *service) exportData(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Section string `json:"section"`
		Cursor  string `json:"cursor"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	if a.Section == "" {
		a.Section = Sections[0]
	}
	items, next, err := svc.section(ctx, c, a.Section, store.Page{Limit: exportPage, Cursor: a.Cursor})
	if err != nil {
		return nil, err
	}
	n := lenOf(items)
	summary := fmt.Sprintf("Here is your %s data (%s).", a.Section, tools.Plural(n, "item", "items"))
	if next != "" {
		summary += " There is more; ask for the next page."
	}
	return &tools.Result{
		Data:    map[string]any{"section": a.Section, "items": items, "next_cursor": next, "sections": Sections},
		Summary: summary,
	}, nil
}

func lenOf(items any) int {
	switch x := items.(type) {
	case []store.Expense:
		return len(x)
	case []store.Budget:
		return len(x)
	case []store.FuelEntry:
		return len(x)
	case []store.Vehicle:
		return len(x)
	case []store.MaintenanceRecord:
		return len(x)
	case []store.Trip:
		return len(x)
	case []store.CalendarEvent:
		return len(x)
	case []store.SavingsEvent:
		return len(x)
	case []store.FavoriteSpot:
		return len(x)
	case []store.Conversation:
		return len(x)
	case []any:
		return len(x)
	}
	return 0
}

// section reads one page of one section of the caller's data. Sections the
// store does not page are returned whole with an empty cursor.
func (svc *service) section(ctx context.Context, c *tools.Call, name string, p store.Page) (any, string, error) {
	var (
		items any
		next  string
		err   error
	)
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	switch name {
	case "profile":
		var u *store.User
		if u, err = svc.s.UserByID(ctx, c.UserID); err == nil {
			items = []any{u}
		}
	case "expenses":
		items, next, err = svc.s.ListExpenses(ctx, c.UserID, store.ExpenseFilter{}, p)
	case "budgets":
		items, err = svc.s.ListBudgets(ctx, c.UserID)
	case "fuel":
		items, next, err = svc.s.ListFuelEntries(ctx, c.UserID, "", "", p)
	case "vehicles":
		items, err = svc.s.ListVehicles(ctx, c.UserID)
	case "maintenance":
		items, err = svc.s.ListMaintenance(ctx, c.UserID, "")
	case "trips":
		items, next, err = svc.s.ListTrips(ctx, c.UserID, p)
	case "calendar":
		items, err = svc.s.ListCalendarEvents(ctx, c.UserID, time.Time{}, far)
	case "savings":
		items, err = svc.s.ListSavings(ctx, c.UserID, time.Time{}, far)
	case "favorites":
		items, err = svc.s.ListFavorites(ctx, c.UserID)
	case "conversations":
		items, next, err = svc.s.ListConversations(ctx, c.UserID, p)
	default:
		return nil, "", tools.Invalid("Unknown section %q; use one of %s.", name, strings.Join(Sections, ", "))
	}
	if err != nil {
		if p.Cursor != "" {
			return nil, "", tools.Invalid("That page cursor is not valid; start again without one.")
		}
		return nil, "", fmt.Errorf("export %s: %w", name, err)
	}
	return items, next, nil
}
