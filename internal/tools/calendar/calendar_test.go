package calendar_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/calendar"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

func setup(t *testing.T) (*toolstest.Harness, *store.User) {
	t.Helper()
	h := toolstest.New(t, calendar.Register)
	return h, h.User(t, "ann@example.com", store.Settings{TimeZone: "America/Denver"})
}

func TestCreateEventTimeZones(t *testing.T) {
	h, u := setup(t)
	tests := []struct {
		name, args       string
		status           tools.Status
		startUTC, endUTC string
		summary          string
	}{
		{"local time in user zone", `{"title":"Oil change","start":"2026-11-25T14:00"}`, tools.StatusOK,
			"2026-11-25T21:00:00Z", "2026-11-25T22:00:00Z", `Added "Oil change" on Wed, Nov 25 at 2:00 PM MST.`},
		{"rfc3339 kept as instant", `{"title":"Call","start":"2026-11-26T09:00:00-05:00","end":"2026-11-26T09:30:00-05:00"}`, tools.StatusOK,
			"2026-11-26T14:00:00Z", "2026-11-26T14:30:00Z", "at 7:00 AM MST"},
		{"fall back: first 1:30", `{"title":"Early","start":"2026-11-01T01:30"}`, tools.StatusOK,
			"2026-11-01T07:30:00Z", "2026-11-01T08:30:00Z", "1:30 AM MDT"},
		{"all day across fall back is 25h", `{"title":"Move day","start":"2026-11-01"}`, tools.StatusOK,
			"2026-11-01T06:00:00Z", "2026-11-02T07:00:00Z", "(all day)"},
		{"multi-day all day", `{"title":"Rally","start":"2026-12-01","end":"2026-12-03","all_day":true}`, tools.StatusOK,
			"2026-12-01T07:00:00Z", "2026-12-04T07:00:00Z", "Tue, Dec 1 (all day)"},
		{"spring forward gap refused", `{"title":"Ghost","start":"2027-03-14T02:30"}`, tools.StatusInvalidArguments, "", "", ""},
		{"end before start", `{"title":"Bad","start":"2026-11-25T14:00","end":"2026-11-25T13:00"}`, tools.StatusInvalidArguments, "", "", ""},
		{"garbage time", `{"title":"Bad","start":"next tuesday"}`, tools.StatusInvalidArguments, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.Call(t, u, "create_calendar_event", tt.args)
			if res.Status != tt.status {
				t.Fatalf("status %s (%s)", res.Status, res.Error)
			}
			if tt.status != tools.StatusOK {
				if tt.name == "spring forward gap refused" && !strings.Contains(res.Error, "spring forward") {
					t.Errorf("error %q", res.Error)
				}
				return
			}
			e, err := h.S.CalendarEventByID(context.Background(), u.ID, res.UIActions[0].EntityID)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Start.UTC().Format(time.RFC3339); got != tt.startUTC {
				t.Errorf("start %s, want %s", got, tt.startUTC)
			}
			if got := e.End.UTC().Format(time.RFC3339); got != tt.endUTC {
				t.Errorf("end %s, want %s", got, tt.endUTC)
			}
			if e.TimeZone != "America/Denver" || !strings.Contains(res.Summary, tt.summary) {
				t.Errorf("zone %q summary %q", e.TimeZone, res.Summary)
			}
		})
	}
}

func TestListUpdateDelete(t *testing.T) {
	h, u := setup(t)
	bob := h.User(t, "bob@example.com", store.Settings{TimeZone: "Europe/Berlin"})
	a := toolstest.MustOK(t, h.Call(t, u, "create_calendar_event", `{"title":"Dentist","start":"2026-11-26T10:00","end":"2026-11-26T11:30","location":"Moab"}`))
	toolstest.MustOK(t, h.Call(t, u, "create_calendar_event", `{"title":"Later","start":"2026-12-20T10:00"}`))
	id := a.UIActions[0].EntityID

	list := toolstest.MustOK(t, h.Call(t, u, "get_calendar_events", `{}`))
	if evs := toolstest.Data(t, list)["events"].([]any); len(evs) != 1 || !strings.Contains(list.Summary, `"Dentist" Thu, Nov 26 at 10:00 AM MST`) {
		t.Errorf("next 7 days: %d events, %q", len(evs), list.Summary)
	}
	dec := toolstest.MustOK(t, h.Call(t, u, "get_calendar_events", `{"from":"2026-12-01","to":"2026-12-31"}`))
	if evs := toolstest.Data(t, dec)["events"].([]any); len(evs) != 1 || evs[0].(map[string]any)["start_local"] != "2026-12-20T10:00" {
		t.Errorf("december: %v", evs)
	}
	if r := h.Call(t, bob, "get_calendar_events", `{"from":"2026-11-01","to":"2026-12-31"}`); r.Status != tools.StatusNoResults {
		t.Errorf("bob sees ann's events: %s %q", r.Status, r.Summary)
	}
	for _, tc := range []struct{ tool, args string }{
		{"update_calendar_event", `{"event_id":"` + id + `","title":"hacked"}`},
		{"delete_calendar_event", `{"event_id":"` + id + `"}`},
	} {
		if r := h.Call(t, bob, tc.tool, tc.args); r.Status != tools.StatusNoResults || strings.Contains(r.Error+r.Summary, "Dentist") {
			t.Errorf("%s by bob: %s %q", tc.tool, r.Status, r.Error)
		}
	}

	up := toolstest.MustOK(t, h.Call(t, u, "update_calendar_event", `{"event_id":"`+id+`","start":"2026-11-27T15:00"}`))
	e, _ := h.S.CalendarEventByID(context.Background(), u.ID, id)
	if e.Title != "Dentist" || e.End.Sub(e.Start) != 90*time.Minute || e.Start.UTC().Hour() != 22 {
		t.Errorf("after move: %+v", e)
	}
	if !strings.Contains(up.Summary, "Fri, Nov 27 at 3:00 PM MST") {
		t.Errorf("update summary %q", up.Summary)
	}

	ask := h.Ask(t, u, "delete_calendar_event", `{"event_id":"`+id+`"}`)
	if ask.Status != tools.StatusNeedsConfirmation || !strings.Contains(ask.Summary, `Delete "Dentist" on Fri, Nov 27 at 3:00 PM MST?`) {
		t.Fatalf("ask %s %q", ask.Status, ask.Summary)
	}
	if _, err := h.S.CalendarEventByID(context.Background(), u.ID, id); err != nil {
		t.Fatal("deleted before confirmation")
	}
	done := toolstest.MustOK(t, h.Exec.Confirm(context.Background(), u.ID, ask.Data.(map[string]any)["action_id"].(string)))
	if done.UIActions[0].Type != tools.ReloadCalendar {
		t.Errorf("ui %+v", done.UIActions)
	}
	if _, err := h.S.CalendarEventByID(context.Background(), u.ID, id); !store.IsNotFound(err) {
		t.Errorf("still there: %v", err)
	}
}
