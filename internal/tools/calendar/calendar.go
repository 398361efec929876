// Package calendar owns PAM's calendar tools: create, list, update and delete
// events. Local times ("2026-11-25T14:00") are read in the user's time zone,
// DST-safe: a time that a spring-forward skips is refused with an explanation,
// and a time a fall-back repeats means its first occurrence.
package calendar

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type service struct{ s store.Store }

// Register adds the calendar tools to r. The auditor and options are accepted
// for symmetry with the other tool packages; calendar tools do no money math.
func Register(r *tools.Registry, s store.Store, _ tools.Auditor, _ ...tools.RegisterOption) error {
	svc := &service{s: s}
	if err := tools.RegisterAll(r, svc.tools()...); err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	return nil
}

func (svc *service) tools() []tools.Tool {
	return []tools.Tool{
		{
			Name:        "create_calendar_event",
			Description: "Add an event to the user's calendar. start/end are RFC 3339 or local \"YYYY-MM-DDTHH:MM\" in the user's time zone; a date alone makes an all-day event.",
			Category:    tools.CategoryCalendar,
			Writes:      true,
			Keywords:    []string{"remind me", "appointment", "calendar"},
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"title":{"type":"string","minLength":1,"maxLength":200},
				"start":{"type":"string","minLength":1},
				"end":{"type":"string"},
				"all_day":{"type":"boolean"},
				"location":{"type":"string","maxLength":300},
				"description":{"type":"string","maxLength":2000}},
				"required":["title","start"],"additionalProperties":false}`),
			Handler: svc.create,
		},
		{
			Name:        "get_calendar_events",
			Description: "List the user's events between two days (YYYY-MM-DD, inclusive; default the next 7 days).",
			Category:    tools.CategoryCalendar,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"from":{"type":"string"},
				"to":{"type":"string"}},
				"additionalProperties":false}`),
			Handler: svc.list,
		},
		{
			Name:        "update_calendar_event",
			Description: "Change an event by id. Moving the start keeps the event's length unless a new end is given.",
			Category:    tools.CategoryCalendar,
			Writes:      true,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"event_id":{"type":"string","minLength":1},
				"title":{"type":"string","minLength":1,"maxLength":200},
				"start":{"type":"string"},
				"end":{"type":"string"},
				"location":{"type":"string","maxLength":300},
				"description":{"type":"string","maxLength":2000}},
				"required":["event_id"],"additionalProperties":false}`),
			Handler: svc.update,
		},
		{
			Name:        "delete_calendar_event",
			Description: "Delete an event by id. Asks the user to confirm.",
			Category:    tools.CategoryCalendar,
			Writes:      true,
			Confirm:     true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"event_id":{"type":"string","minLength":1}},
				"required":["event_id"],"additionalProperties":false}`),
			Prepare: svc.prepareDelete,
			Handler: svc.delete,
		},
	}
}

// view is an event as the model sees it: instants plus the user's local rendering.
type view struct {
	*store.CalendarEvent
	StartLocal string `json:"start_local"`
	EndLocal   string `json:"end_local"`
}

func render(c *tools.Call, e *store.CalendarEvent) view {
	loc := c.Settings.Location()
	layout := "2006-01-02T15:04"
	if e.AllDay {
		layout = tools.DayLayout
	}
	end := e.End.In(loc)
	if e.AllDay {
		end = end.Add(-time.Nanosecond) // the last day, not the midnight after it
	}
	return view{CalendarEvent: e, StartLocal: e.Start.In(loc).Format(layout), EndLocal: end.Format(layout)}
}

// when renders "Tue, Nov 25 at 2:00 PM MST" or "Tue, Nov 25 (all day)" in the user's zone.
func when(c *tools.Call, e *store.CalendarEvent) string {
	loc := c.Settings.Location()
	start := e.Start.In(loc)
	day := start.Format("Mon, Jan 2")
	if start.Year() != c.LocalNow().Year() {
		day = start.Format("Mon, Jan 2, 2006")
	}
	if e.AllDay {
		return day + " (all day)"
	}
	return day + " at " + start.Format("3:04 PM MST")
}

type eventArgs struct {
	EventID     string  `json:"event_id"`
	Title       *string `json:"title"`
	Start       string  `json:"start"`
	End         string  `json:"end"`
	AllDay      bool    `json:"all_day"`
	Location    *string `json:"location"`
	Description *string `json:"description"`
}

func (svc *service) create(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a eventArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	loc := c.Settings.Location()
	start, err := parseWhen(a.Start, loc, "start")
	if err != nil {
		return nil, err
	}
	e := &store.CalendarEvent{UserID: c.UserID, Title: strings.TrimSpace(deref(a.Title)), Location: strings.TrimSpace(deref(a.Location)),
		Description: strings.TrimSpace(deref(a.Description)), TimeZone: loc.String()}
	if err := setTimes(e, start, a.End, a.AllDay || start.dateOnly, loc, time.Hour); err != nil {
		return nil, err
	}
	if err := svc.s.CreateCalendarEvent(ctx, e); err != nil {
		return nil, fmt.Errorf("create event: %w", err)
	}
	return &tools.Result{
		Data:      map[string]any{"event": render(c, e)},
		Summary:   fmt.Sprintf("Added %q on %s.", e.Title, when(c, e)),
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadCalendar, "calendar_event", e.ID, e.Title)},
	}, nil
}

// setTimes sets e's start, end and all-day flag. Without an end, a timed
// event lasts dflt and an all-day event its one day.
func setTimes(e *store.CalendarEvent, start parsed, endArg string, allDay bool, loc *time.Location, dflt time.Duration) error {
	e.AllDay = allDay
	if allDay {
		y, m, d := start.t.In(loc).Date()
		e.Start = time.Date(y, m, d, 0, 0, 0, 0, loc)
		e.End = e.Start.AddDate(0, 0, 1) // 23 or 25 hours across a DST change
		if endArg != "" {
			end, err := parseWhen(endArg, loc, "end")
			if err != nil {
				return err
			}
			ey, em, ed := end.t.In(loc).Date()
			e.End = time.Date(ey, em, ed, 0, 0, 0, 0, loc).AddDate(0, 0, 1)
		}
	} else {
		e.Start = start.t
		e.End = start.t.Add(dflt)
		if endArg != "" {
			end, err := parseWhen(endArg, loc, "end")
			if err != nil {
				return err
			}
			e.End = end.t
		}
	}
	if !e.End.After(e.Start) {
		return tools.Invalid("The event must end after it starts.")
	}
	if e.End.Sub(e.Start) > 366*24*time.Hour {
		return tools.Invalid("An event can last at most a year.")
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (svc *service) list(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	loc := c.Settings.Location()
	from, to := c.Now, c.Now.AddDate(0, 0, 7)
	label := "in the next 7 days"
	if a.From != "" || a.To != "" {
		r, err := c.ResolvePeriod("", orDefault(a.From, c.Today()), orDefault(a.To, c.LocalNow().AddDate(0, 0, 7).Format(tools.DayLayout)))
		if err != nil {
			return nil, err
		}
		from, to = r.Instants(loc)
		label = r.Label
	}
	events, err := svc.s.ListCalendarEvents(ctx, c.UserID, from, to)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	views := make([]view, 0, len(events))
	var parts []string
	for i := range events {
		views = append(views, render(c, &events[i]))
		if i < 5 {
			parts = append(parts, fmt.Sprintf("%q %s", events[i].Title, when(c, &events[i])))
		}
	}
	data := map[string]any{"events": views, "from": from.In(loc).Format(time.RFC3339), "to": to.In(loc).Format(time.RFC3339)}
	if len(events) == 0 {
		return &tools.Result{Status: tools.StatusNoResults, Data: data, Summary: "Your calendar is clear " + label + "."}, nil
	}
	summary := fmt.Sprintf("You have %s %s: %s", tools.Plural(len(events), "event", "events"), label, strings.Join(parts, "; "))
	if len(events) > len(parts) {
		summary += fmt.Sprintf("; and %d more", len(events)-len(parts))
	}
	return &tools.Result{Data: data, Summary: summary + "."}, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (svc *service) load(ctx context.Context, c *tools.Call, id string) (*store.CalendarEvent, error) {
	e, err := svc.s.CalendarEventByID(ctx, c.UserID, id)
	if store.IsNotFound(err) {
		return nil, tools.NotFound("event")
	} else if err != nil {
		return nil, fmt.Errorf("load event: %w", err)
	}
	return e, nil
}

func (svc *service) update(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a eventArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	e, err := svc.load(ctx, c, a.EventID)
	if err != nil {
		return nil, err
	}
	loc := c.Settings.Location()
	if a.Title != nil {
		e.Title = strings.TrimSpace(*a.Title)
	}
	if a.Location != nil {
		e.Location = strings.TrimSpace(*a.Location)
	}
	if a.Description != nil {
		e.Description = strings.TrimSpace(*a.Description)
	}
	switch {
	case a.Start != "":
		start, err := parseWhen(a.Start, loc, "start")
		if err != nil {
			return nil, err
		}
		if err := setTimes(e, start, a.End, start.dateOnly || (e.AllDay && a.End == ""), loc, e.End.Sub(e.Start)); err != nil {
			return nil, err
		}
		e.TimeZone = loc.String()
	case a.End != "":
		end, err := parseWhen(a.End, loc, "end")
		if err != nil {
			return nil, err
		}
		if err := setTimes(e, parsed{t: e.Start}, end.t.Format(time.RFC3339), e.AllDay, loc, 0); err != nil {
			return nil, err
		}
	}
	if err := svc.s.UpdateCalendarEvent(ctx, e); err != nil {
		if store.IsNotFound(err) {
			return nil, tools.NotFound("event")
		}
		return nil, fmt.Errorf("update event: %w", err)
	}
	return &tools.Result{
		Data:      map[string]any{"event": render(c, e)},
		Summary:   fmt.Sprintf("Updated %q: now %s.", e.Title, when(c, e)),
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadCalendar, "calendar_event", e.ID, e.Title)},
	}, nil
}

func (svc *service) prepareDelete(ctx context.Context, c *tools.Call) (string, error) {
	var a eventArgs
	if err := c.Bind(&a); err != nil {
		return "", err
	}
	e, err := svc.load(ctx, c, a.EventID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Delete %q on %s?", e.Title, when(c, e)), nil
}

func (svc *service) delete(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a eventArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	e, err := svc.load(ctx, c, a.EventID)
	if err != nil {
		return nil, err
	}
	if err := svc.s.DeleteCalendarEvent(ctx, c.UserID, e.ID); err != nil {
		if store.IsNotFound(err) {
			return nil, tools.NotFound("event")
		}
		return nil, fmt.Errorf("delete event: %w", err)
	}
	return &tools.Result{
		Data:      map[string]any{"deleted_id": e.ID},
		Summary:   fmt.Sprintf("Deleted %q on %s.", e.Title, when(c, e)),
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadCalendar, "calendar_event", e.ID, e.Title)},
	}, nil
}
