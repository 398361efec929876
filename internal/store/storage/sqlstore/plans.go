package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

const tripCols = "id, user_id, name, origin, destination, stops, start_date, end_date, distance_km, duration_min, fuel_cost, fuel_cost_currency, budget, budget_currency, estimated, plan, created_at"

func scanTrip(r scanner) (store.Trip, error) {
	var t store.Trip
	fuel := moneyPtrScan{m: &t.FuelCost}
	budget := moneyPtrScan{m: &t.Budget}
	dest := []any{&t.ID, &t.UserID, &t.Name, &t.Origin, &t.Destination, listScan{&t.Stops}, dateScan{&t.StartDate}, dateScan{&t.EndDate},
		&t.DistanceKm, &t.DurationMin}
	dest = append(append(append(dest, fuel.dest()...), budget.dest()...), &t.Estimated, jsonScan{&t.Plan}, timeScan{&t.CreatedAt})
	err := r.Scan(dest...)
	fuel.done()
	budget.done()
	return t, err
}

// CreateTrip stores t for t.UserID.
func (s *Store) CreateTrip(ctx context.Context, t *store.Trip) error {
	if err := checkJSON("plan", t.Plan); err != nil {
		return err
	}
	id, ts := NewID(), now()
	stops, err := jsonList(t.Stops)
	if err != nil {
		return fmt.Errorf("create trip: %w", err)
	}
	fuel, fuelCur := nullAmount(t.FuelCost)
	budget, budgetCur := nullAmount(t.Budget)
	err = s.write(ctx, "create trip", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO trips ("+tripCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, t.UserID, t.Name, t.Origin, t.Destination, stops, nullStr(t.StartDate), nullStr(t.EndDate), dec(t.DistanceKm), t.DurationMin,
			fuel, fuelCur, budget, budgetCur, t.Estimated, nullJSON(t.Plan), s.ts(ts))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		t.ID, t.CreatedAt = id, ts
	}
	return err
}

// ListTrips lists the user's trips, newest first.
func (s *Store) ListTrips(ctx context.Context, userID string, p store.Page) ([]store.Trip, string, error) {
	return getPage(ctx, s, "list trips", p, true, scanTrip, func(t *store.Trip) string { return t.ID },
		"SELECT "+tripCols+" FROM trips", "user_id = ?", userID)
}

// TripByID returns the user's trip.
func (s *Store) TripByID(ctx context.Context, userID, id string) (*store.Trip, error) {
	return getOne(ctx, s, "trip by id", "trip", scanTrip, "SELECT "+tripCols+" FROM trips WHERE id = ? AND user_id = ?", id, userID)
}

const calCols = "id, user_id, title, description, location, start_at, end_at, all_day, time_zone, created_at"

func scanCal(r scanner) (store.CalendarEvent, error) {
	var e store.CalendarEvent
	err := r.Scan(&e.ID, &e.UserID, &e.Title, &e.Description, &e.Location, timeScan{&e.Start}, timeScan{&e.End}, &e.AllDay, &e.TimeZone, timeScan{&e.CreatedAt})
	return e, err
}

// CreateCalendarEvent stores e for e.UserID.
func (s *Store) CreateCalendarEvent(ctx context.Context, e *store.CalendarEvent) error {
	id, t := NewID(), now()
	err := s.write(ctx, "create calendar event", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO calendar_events ("+calCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, e.UserID, e.Title, e.Description, e.Location, s.ts(e.Start), s.ts(e.End), e.AllDay, e.TimeZone, s.ts(t))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		e.ID, e.CreatedAt = id, t
		e.Start, e.End = e.Start.UTC().Truncate(time.Microsecond), e.End.UTC().Truncate(time.Microsecond)
	}
	return err
}

// UpdateCalendarEvent saves the user's event.
func (s *Store) UpdateCalendarEvent(ctx context.Context, e *store.CalendarEvent) error {
	return s.write(ctx, "update calendar event", func(q querier) error {
		n, err := s.exec(ctx, q, `UPDATE calendar_events SET title = ?, description = ?, location = ?, start_at = ?, end_at = ?, all_day = ?, time_zone = ?
			WHERE id = ? AND user_id = ?`,
			e.Title, e.Description, e.Location, s.ts(e.Start), s.ts(e.End), e.AllDay, e.TimeZone, e.ID, e.UserID)
		if err == nil && n == 0 {
			return notFound("calendar event")
		}
		return err
	})
}

// DeleteCalendarEvent removes the user's event.
func (s *Store) DeleteCalendarEvent(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "calendar_events", "calendar event", userID, id)
}

// CalendarEventByID returns the user's event.
func (s *Store) CalendarEventByID(ctx context.Context, userID, id string) (*store.CalendarEvent, error) {
	return getOne(ctx, s, "calendar event by id", "calendar event", scanCal,
		"SELECT "+calCols+" FROM calendar_events WHERE id = ? AND user_id = ?", id, userID)
}

// farFuture stands in for an open end of a range.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// ListCalendarEvents lists the user's events that overlap [from, to), by start;
// a zero from or to leaves that side open.
func (s *Store) ListCalendarEvents(ctx context.Context, userID string, from, to time.Time) ([]store.CalendarEvent, error) {
	if to.IsZero() {
		to = farFuture
	}
	return getAll(ctx, s, "list calendar events", scanCal, "SELECT "+calCols+` FROM calendar_events WHERE user_id = ?
		AND start_at < ? AND (end_at > ? OR (end_at <= start_at AND start_at >= ?)) ORDER BY start_at, id`,
		userID, s.ts(to), s.ts(from), s.ts(from))
}

const savingsCols = "id, user_id, category, description, baseline, optimized, saved, currency, source, created_at"

// RecordSavings stores s, refusing one whose Saved is not exactly Baseline − Optimized in one currency.
func (s *Store) RecordSavings(ctx context.Context, e *store.SavingsEvent) error {
	want := e.Baseline.Amount.Sub(e.Optimized.Amount)
	if !e.Saved.Amount.Equal(want) {
		return pamerr.Invalid("saved", "saved %s is not baseline %s minus optimized %s",
			e.Saved.Amount.StringFixed(2), e.Baseline.Amount.StringFixed(2), e.Optimized.Amount.StringFixed(2))
	}
	if e.Baseline.Currency != e.Optimized.Currency || e.Saved.Currency != e.Baseline.Currency {
		return pamerr.Invalid("currency", "baseline, optimized and saved must share one currency")
	}
	id, t := NewID(), now()
	err := s.write(ctx, "record savings", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO savings ("+savingsCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, e.UserID, e.Category, e.Description, amount(e.Baseline), amount(e.Optimized), amount(e.Saved), e.Saved.Currency, e.Source, s.ts(t))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		e.ID, e.CreatedAt = id, t
	}
	return err
}

// ListSavings lists the user's savings created in [from, to), oldest first; a zero bound is open.
func (s *Store) ListSavings(ctx context.Context, userID string, from, to time.Time) ([]store.SavingsEvent, error) {
	if to.IsZero() {
		to = farFuture
	}
	return getAll(ctx, s, "list savings", func(r scanner) (store.SavingsEvent, error) {
		var e store.SavingsEvent
		var b, o, sv decimal.Decimal
		var cur string
		err := r.Scan(&e.ID, &e.UserID, &e.Category, &e.Description, &b, &o, &sv, &cur, &e.Source, timeScan{&e.CreatedAt})
		e.Baseline, e.Optimized, e.Saved = money.New(b, cur), money.New(o, cur), money.New(sv, cur)
		return e, err
	}, "SELECT "+savingsCols+" FROM savings WHERE user_id = ? AND created_at >= ? AND created_at < ? ORDER BY id",
		userID, s.ts(from), s.ts(to))
}
