package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/store"
)

func testFuelAndVehicles(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	v := &store.Vehicle{UserID: u.ID, Name: "Big Bertha", Make: "Winnebago", Model: "View", Year: 2021, FuelType: "diesel",
		Odometer: decimal.NewNullDecimal(d("45210.5"))}
	must(t, s.CreateVehicle(ctx, v))
	got, err := s.VehicleByID(ctx, u.ID, v.ID)
	must(t, err)
	if got.Name != v.Name || got.Year != 2021 || !got.Odometer.Valid || !got.Odometer.Decimal.Equal(d("45210.5")) {
		t.Errorf("vehicle round trip: %+v", got)
	}
	_, err = s.VehicleByID(ctx, other.ID, v.ID)
	wantNotFound(t, "VehicleByID as another user", err)
	v.Odometer = decimal.NullDecimal{}
	v.Name = "Bertha"
	must(t, s.UpdateVehicle(ctx, v))
	got, _ = s.VehicleByID(ctx, u.ID, v.ID)
	if got.Name != "Bertha" || got.Odometer.Valid {
		t.Errorf("after UpdateVehicle: %+v", got)
	}
	hijack := *v
	hijack.UserID = other.ID
	wantNotFound(t, "UpdateVehicle as another user", s.UpdateVehicle(ctx, &hijack))
	if vs, _ := s.ListVehicles(ctx, u.ID); len(vs) != 1 {
		t.Errorf("ListVehicles = %d, want 1", len(vs))
	}

	f1 := &store.FuelEntry{UserID: u.ID, VehicleID: v.ID, Date: "2026-04-01", Volume: d("52.347"), VolumeUnit: "gal",
		PricePerUnit: usd("3.89"), Total: usd("203.63"), Odometer: decimal.NewNullDecimal(d("45500")), OdometerUnit: "mi", Station: "Love's"}
	must(t, s.AddFuelEntry(ctx, f1))
	f2 := &store.FuelEntry{UserID: u.ID, Date: "2026-04-05", Volume: d("10"), VolumeUnit: "gal", PricePerUnit: usd("4.00"), Total: usd("40.00")}
	must(t, s.AddFuelEntry(ctx, f2))
	err = s.AddFuelEntry(ctx, &store.FuelEntry{UserID: other.ID, VehicleID: v.ID, Date: "2026-04-01", Volume: d("1"), VolumeUnit: "L",
		PricePerUnit: usd("1.00"), Total: usd("1.00")})
	wantNotFound(t, "AddFuelEntry on another user's vehicle", err)

	list, _, err := s.ListFuelEntries(ctx, u.ID, "2026-04-01", "2026-04-01", store.Page{})
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("ListFuelEntries(1 Apr) = %d, want 1", len(list))
	}
	g := list[0]
	if !g.Volume.Equal(d("52.347")) || !g.Total.Amount.Equal(d("203.63")) || g.VehicleID != v.ID || g.Station != "Love's" ||
		!g.Odometer.Decimal.Equal(d("45500")) || g.Total.Currency != "USD" {
		t.Errorf("fuel round trip: %+v", g)
	}
	if all, _, _ := s.ListFuelEntries(ctx, u.ID, "", "", store.Page{}); len(all) != 2 || all[0].ID != f2.ID {
		t.Errorf("ListFuelEntries(all) should list 2 newest first")
	}
	last, err := s.LastFuelEntry(ctx, u.ID, "")
	must(t, err)
	if last.ID != f2.ID {
		t.Errorf("LastFuelEntry(any) = %s, want %s", last.ID, f2.ID)
	}
	last, err = s.LastFuelEntry(ctx, u.ID, v.ID)
	must(t, err)
	if last.ID != f1.ID {
		t.Errorf("LastFuelEntry(vehicle) = %s, want %s", last.ID, f1.ID)
	}
	_, err = s.LastFuelEntry(ctx, other.ID, "")
	wantNotFound(t, "LastFuelEntry with none", err)
}

func testMaintenance(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	v := &store.Vehicle{UserID: u.ID, Name: "RV"}
	must(t, s.CreateVehicle(ctx, v))
	cost := usd("89.99")
	m := &store.MaintenanceRecord{UserID: u.ID, VehicleID: v.ID, Task: "oil change", Date: "2026-02-01",
		Odometer: decimal.NewNullDecimal(d("40000")), Cost: &cost, NextDueDate: "2026-08-01",
		NextDueOdometer: decimal.NewNullDecimal(d("45000")), Notes: "synthetic"}
	must(t, s.LogMaintenance(ctx, m))
	must(t, s.LogMaintenance(ctx, &store.MaintenanceRecord{UserID: u.ID, Task: "wash", Date: "2026-03-01"}))
	err := s.LogMaintenance(ctx, &store.MaintenanceRecord{UserID: other.ID, VehicleID: v.ID, Task: "x", Date: "2026-03-01"})
	wantNotFound(t, "LogMaintenance on another user's vehicle", err)

	all, err := s.ListMaintenance(ctx, u.ID, "")
	must(t, err)
	if len(all) != 2 || all[0].Task != "wash" || all[0].Cost != nil || all[0].NextDueDate != "" || all[0].VehicleID != "" {
		t.Fatalf("ListMaintenance(all) = %+v", all)
	}
	byV, err := s.ListMaintenance(ctx, u.ID, v.ID)
	must(t, err)
	if len(byV) != 1 {
		t.Fatalf("ListMaintenance(vehicle) = %d, want 1", len(byV))
	}
	g := byV[0]
	if g.Cost == nil || !g.Cost.Amount.Equal(d("89.99")) || g.NextDueDate != "2026-08-01" || !g.NextDueOdometer.Decimal.Equal(d("45000")) ||
		g.Notes != "synthetic" || g.Date != "2026-02-01" {
		t.Errorf("maintenance round trip: %+v", g)
	}
	if l, _ := s.ListMaintenance(ctx, other.ID, ""); len(l) != 0 {
		t.Error("another user sees maintenance")
	}
}

func testTrips(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	fuel, budget := usd("412.50"), usd("1500.00")
	tr := &store.Trip{UserID: u.ID, Name: "Rockies", Origin: "Denver, CO", Destination: "Banff, AB", Stops: []string{"Jackson, WY", "Missoula, MT"},
		StartDate: "2026-06-01", EndDate: "2026-06-14", DistanceKm: d("1987.4"), DurationMin: 1260, FuelCost: &fuel, Budget: &budget,
		Estimated: true, Plan: json.RawMessage(`{"legs":[{"from":"Denver","to":"Jackson"}]}`)}
	must(t, s.CreateTrip(ctx, tr))
	got, err := s.TripByID(ctx, u.ID, tr.ID)
	must(t, err)
	if got.Name != tr.Name || len(got.Stops) != 2 || got.Stops[1] != "Missoula, MT" || got.StartDate != "2026-06-01" ||
		!got.DistanceKm.Equal(d("1987.4")) || got.DurationMin != 1260 || got.FuelCost == nil || !got.FuelCost.Amount.Equal(d("412.50")) ||
		got.Budget == nil || !got.Budget.Amount.Equal(d("1500")) || !got.Estimated || string(got.Plan) != string(tr.Plan) {
		t.Errorf("trip round trip: %+v", got)
	}
	bare := &store.Trip{UserID: u.ID, Origin: "A", Destination: "B"}
	must(t, s.CreateTrip(ctx, bare))
	got, _ = s.TripByID(ctx, u.ID, bare.ID)
	if got.FuelCost != nil || got.Budget != nil || got.Stops != nil || got.StartDate != "" || got.Plan != nil {
		t.Errorf("bare trip round trip: %+v", got)
	}
	_, err = s.TripByID(ctx, other.ID, tr.ID)
	wantNotFound(t, "TripByID as another user", err)
	list, _, err := s.ListTrips(ctx, u.ID, store.Page{})
	must(t, err)
	if len(list) != 2 || list[0].ID != bare.ID {
		t.Errorf("ListTrips should list 2 newest first")
	}
}

func testCalendar(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	den, _ := time.LoadLocation("America/Denver")
	at := func(day, hour int) time.Time { return time.Date(2026, 7, day, hour, 0, 0, 0, den) }
	mk := func(title string, start, end time.Time) *store.CalendarEvent {
		e := &store.CalendarEvent{UserID: u.ID, Title: title, Start: start, End: end, TimeZone: "America/Denver"}
		must(t, s.CreateCalendarEvent(ctx, e))
		return e
	}
	a := mk("check in", at(1, 15), at(1, 16))
	b := mk("propane", at(3, 9), at(3, 10))
	c := mk("check out", at(5, 11), at(5, 11))
	must(t, s.CreateCalendarEvent(ctx, &store.CalendarEvent{UserID: other.ID, Title: "theirs", Start: at(3, 9), End: at(3, 10)}))

	tests := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"all", time.Time{}, time.Time{}, []string{a.ID, b.ID, c.ID}},
		{"day 3", at(3, 0), at(4, 0), []string{b.ID}},
		{"overlapping start", at(1, 15).Add(30 * time.Minute), at(2, 0), []string{a.ID}},
		{"end exclusive", at(2, 0), at(3, 9), nil},
		{"instant event", at(5, 0), at(6, 0), []string{c.ID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.ListCalendarEvents(ctx, u.ID, tc.from, tc.to)
			must(t, err)
			var ids []string
			for _, e := range list {
				ids = append(ids, e.ID)
			}
			if len(ids) != len(tc.want) {
				t.Fatalf("ListCalendarEvents = %v, want %v", ids, tc.want)
			}
			for i := range ids {
				if ids[i] != tc.want[i] {
					t.Fatalf("ListCalendarEvents = %v, want %v", ids, tc.want)
				}
			}
		})
	}
	got, err := s.CalendarEventByID(ctx, u.ID, a.ID)
	must(t, err)
	if !got.Start.Equal(a.Start) || !got.End.Equal(a.End) || got.TimeZone != "America/Denver" {
		t.Errorf("calendar round trip: %+v", got)
	}
	_, err = s.CalendarEventByID(ctx, other.ID, a.ID)
	wantNotFound(t, "CalendarEventByID as another user", err)
	a.Title, a.AllDay = "arrive", true
	must(t, s.UpdateCalendarEvent(ctx, a))
	got, _ = s.CalendarEventByID(ctx, u.ID, a.ID)
	if got.Title != "arrive" || !got.AllDay {
		t.Errorf("after update: %+v", got)
	}
	hijack := *a
	hijack.UserID = other.ID
	wantNotFound(t, "UpdateCalendarEvent as another user", s.UpdateCalendarEvent(ctx, &hijack))
	wantNotFound(t, "DeleteCalendarEvent as another user", s.DeleteCalendarEvent(ctx, other.ID, a.ID))
	must(t, s.DeleteCalendarEvent(ctx, u.ID, a.ID))
	_, err = s.CalendarEventByID(ctx, u.ID, a.ID)
	wantNotFound(t, "event after delete", err)
}

func testFavorites(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	f := &store.FavoriteSpot{UserID: u.ID, Name: "Quartzsite BLM", Category: "boondocking", Lat: 33.6639, Lng: -114.2299, Notes: "free"}
	must(t, s.SaveFavorite(ctx, f))
	list, err := s.ListFavorites(ctx, u.ID)
	must(t, err)
	if len(list) != 1 || list[0].Lat != 33.6639 || list[0].Lng != -114.2299 || list[0].Name != f.Name {
		t.Errorf("ListFavorites = %+v", list)
	}
	if l, _ := s.ListFavorites(ctx, other.ID); len(l) != 0 {
		t.Error("another user sees favorites")
	}
}

func testKnowledge(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	items := []*store.KnowledgeItem{
		{Title: "Dumping black tanks", Content: "Use gloves. Never dump the grey tank first.", Tags: []string{"tanks", "maintenance"}},
		{Title: "Winterizing", Content: "Drain the fresh tank and add antifreeze.", Tags: []string{"winter"}},
		{Title: "Boondocking basics", Content: "Solar, water, and 100% quiet.", Tags: []string{"camping"}},
	}
	for _, k := range items {
		must(t, s.AddKnowledge(ctx, k))
	}
	tests := []struct {
		query string
		want  []string // titles, best first
	}{
		{"TANK", []string{"Dumping black tanks", "Winterizing"}},
		{"tanks", []string{"Dumping black tanks"}},
		{"winter antifreeze", []string{"Winterizing"}},
		{"100%", []string{"Boondocking basics"}},
		{"_", nil},
		{"", nil},
		{"zebra", nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got, err := s.SearchKnowledge(ctx, tc.query, 10)
			must(t, err)
			var titles []string
			for _, k := range got {
				titles = append(titles, k.Title)
			}
			if len(titles) != len(tc.want) {
				t.Fatalf("SearchKnowledge(%q) = %v, want %v", tc.query, titles, tc.want)
			}
			for i := range titles {
				if titles[i] != tc.want[i] {
					t.Fatalf("SearchKnowledge(%q) = %v, want %v", tc.query, titles, tc.want)
				}
			}
		})
	}
	got, _ := s.SearchKnowledge(ctx, "gloves", 1)
	if len(got) != 1 || len(got[0].Tags) != 2 || got[0].Tags[0] != "tanks" {
		t.Errorf("knowledge tags round trip: %+v", got)
	}
}

func testDeadLetters(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	dl := &store.DeadLetter{Kind: "turn", UserID: "u1", Payload: json.RawMessage(`{"turn_id":"t1"}`), Attempts: 3, LastError: "model down"}
	must(t, s.AddDeadLetter(ctx, dl))
	dl2 := &store.DeadLetter{Kind: "write", Payload: json.RawMessage(`{}`)}
	must(t, s.AddDeadLetter(ctx, dl2))
	got, err := s.DeadLetterByID(ctx, dl.ID)
	must(t, err)
	if got.Kind != "turn" || string(got.Payload) != `{"turn_id":"t1"}` || got.Attempts != 3 || got.LastError != "model down" {
		t.Errorf("dead letter round trip: %+v", got)
	}
	list, next, err := s.ListDeadLetters(ctx, store.Page{Limit: 1})
	must(t, err)
	if len(list) != 1 || list[0].ID != dl2.ID || next == "" {
		t.Errorf("ListDeadLetters page 1 = %+v %q", list, next)
	}
	must(t, s.DeleteDeadLetter(ctx, dl.ID))
	_, err = s.DeadLetterByID(ctx, dl.ID)
	wantNotFound(t, "dead letter after delete", err)
	wantNotFound(t, "DeleteDeadLetter twice", s.DeleteDeadLetter(ctx, dl.ID))
}
