package trip

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type planArgs struct {
	travelArgs
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	Budget    any    `json:"budget"`
	Name      string `json:"name"`
}

// overnight is a suggested stop after a day's driving.
type overnight struct {
	Night    int     `json:"night"`
	Date     string  `json:"date,omitempty"`
	Near     string  `json:"near"`
	Lat      float64 `json:"lat"`
	Lng      float64 `json:"lng"`
	AfterKm  float64 `json:"after_km"`
	AfterMi  float64 `json:"after_mi"`
	NearTown bool    `json:"near_town"`
}

// fuelPlan is how the fuel cost was worked out.
type fuelPlan struct {
	Cost        *money.Money `json:"cost,omitempty"`
	Volume      string       `json:"volume,omitempty"` // decimal string, in Unit
	Unit        string       `json:"unit,omitempty"`
	Price       string       `json:"price,omitempty"` // per Unit
	Consumption string       `json:"consumption"`
	Basis       string       `json:"basis"`
}

// tripPlan is stored in store.Trip.Plan.
type tripPlan struct {
	Places     []place     `json:"places"`
	Route      routing     `json:"route"`
	Overnights []overnight `json:"overnight_stops"`
	Fuel       fuelPlan    `json:"fuel"`
	DrivingDay int         `json:"driving_days"`
}

func (svc *service) planTrip(ctx context.Context, call *tools.Call) (*tools.Result, error) {
	var a planArgs
	if err := call.Bind(&a); err != nil {
		return nil, err
	}
	if len(a.Stops) > 20 {
		return nil, tools.Invalid("A trip can have at most 20 stops.")
	}
	if a.StartDate != "" {
		if _, err := tools.ParseDay(a.StartDate); err != nil {
			return nil, err
		}
	}
	if a.EndDate != "" {
		if _, err := tools.ParseDay(a.EndDate); err != nil {
			return nil, err
		}
		if a.StartDate != "" && a.EndDate < a.StartDate {
			return nil, tools.Invalid("The end date %s is before the start date %s.", a.EndDate, a.StartDate)
		}
	}
	var budget *money.Money
	if b, present, err := tools.OptionalDecimal(a.Budget); err != nil {
		return nil, tools.Invalid("The budget must be a number like 500 (%v).", err)
	} else if present {
		m := money.New(b, call.Settings.Currency)
		if m.Currency == "" {
			m.Currency = "USD"
		}
		if err := m.CheckBounds(); err != nil {
			return nil, tools.Invalid("The budget %v.", err)
		}
		budget = &m
	}

	places, err := svc.resolveAll(ctx, a.travelArgs)
	if err != nil {
		return nil, err
	}
	r, err := svc.route(ctx, places)
	if err != nil {
		return nil, err
	}
	u := unitsOf(call)
	fuel, err := svc.fuelFor(ctx, call, r.DistanceKm, u)
	if err != nil {
		return nil, err
	}
	overnights := nonNil(svc.overnights(places, r, a.StartDate))
	plan := tripPlan{Places: places, Route: r, Overnights: overnights, Fuel: fuel, DrivingDay: len(overnights) + 1}
	planJSON, err := json.Marshal(plan)
	if err != nil {
		return nil, fmt.Errorf("plan_trip: %w", err)
	}
	t := &store.Trip{
		UserID: call.UserID, Name: strings.TrimSpace(a.Name), Origin: places[0].Label, Destination: places[len(places)-1].Label,
		StartDate: a.StartDate, EndDate: a.EndDate, DistanceKm: decimal.NewFromFloat(r.DistanceKm).Round(1),
		DurationMin: r.DurationMin, FuelCost: fuel.Cost, Budget: budget, Estimated: r.Estimated, Plan: planJSON,
	}
	for _, s := range places[1 : len(places)-1] {
		t.Stops = append(t.Stops, s.Label)
	}
	if t.Name == "" {
		t.Name = short(t.Origin) + " to " + short(t.Destination)
	}
	if len(t.Name) > 200 {
		t.Name = t.Name[:200]
	}
	if err := svc.Store.CreateTrip(ctx, t); err != nil {
		return nil, fmt.Errorf("plan_trip: %w", err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Planned %s: %s, about %s of driving", t.Name, u.distance(r.DistanceKm), duration(r.DurationMin))
	if len(overnights) == 0 {
		b.WriteString(", doable in one day")
	} else {
		var near []string
		for _, o := range overnights {
			near = append(near, o.Near)
		}
		fmt.Fprintf(&b, " over %d days (%s: %s)", len(overnights)+1, tools.Plural(len(overnights), "overnight stop", "overnight stops"), strings.Join(near, "; "))
	}
	b.WriteString(". ")
	if fuel.Cost != nil {
		fmt.Fprintf(&b, "Fuel about %s (%s). ", fuel.Cost.Format(), fuel.Basis)
	} else {
		b.WriteString(fuel.Basis + " ")
	}
	data := map[string]any{"trip": t, "overnight_stops": overnights, "fuel": fuel, "route_source": r.Source}
	if budget != nil && fuel.Cost != nil && fuel.Cost.Currency == budget.Currency {
		within := !fuel.Cost.Amount.GreaterThan(budget.Amount)
		data["fuel_within_budget"] = within
		if within {
			fmt.Fprintf(&b, "That fits your %s budget. ", budget.Format())
		} else {
			fmt.Fprintf(&b, "Fuel alone is over your %s budget. ", budget.Format())
		}
	}
	if r.Estimated {
		b.WriteString(r.Note)
	}
	res := &tools.Result{
		Data:      data,
		Summary:   strings.TrimSpace(b.String()),
		Banner:    r.banner,
		UIActions: []tools.UIAction{tools.Reload(ReloadTrips, "trip", t.ID, t.Name)},
	}
	applyMeta(res, r.meta)
	return res, nil
}

// short is the first part of a label ("Moab, UT, US" → "Moab").
func short(label string) string {
	s, _, _ := strings.Cut(label, ",")
	return s
}

// fuelFor works out the fuel for distanceKm from the user's fuel log: their
// consumption (or the default) and their recent average price. Without a price
// there is no cost: PAM does not invent one.
func (svc *service) fuelFor(ctx context.Context, call *tools.Call, distanceKm float64, u units) (fuelPlan, error) {
	h, ok, err := svc.fuelHistoryOf(ctx, call)
	if err != nil {
		return fuelPlan{}, err
	}
	unit := "gal"
	if !u.imperial {
		unit = "L"
	}
	if ok {
		unit = h.Unit
	}
	per, consumptionBasis := h.KmPerUnit, "your logged consumption"
	if !per.IsPositive() {
		per, consumptionBasis = svc.defaultKmPerUnit(unit), "a typical RV's consumption"
	}
	fp := fuelPlan{Unit: unit, Consumption: consumptionText(per, unit, u)}
	volume := decimal.NewFromFloat(distanceKm).Div(per).Round(1)
	fp.Volume = volume.String()
	if !ok {
		fp.Basis = fmt.Sprintf("I need a recent fuel price to estimate the fuel cost; log a fill-up and I'll include it (about %s %s at %s).", volume, unit, fp.Consumption)
		return fp, nil
	}
	cost := money.New(volume.Mul(h.AvgPrice), h.Currency)
	fp.Cost = &cost
	fp.Price = h.AvgPrice.String()
	fp.Basis = fmt.Sprintf("%s %s at %s, using %s and your recent average of %s", volume, unit, fp.Consumption, consumptionBasis,
		perUnit(h.AvgPrice, h.Currency, unit))
	return fp, nil
}

const overnightSlack = 0.15

// overnights places a stop after every OvernightEveryMi of driving, along the
// waypoints, named after the nearest town of the gazetteer when there is one.
func (svc *service) overnights(places []place, r routing, startDate string) []overnight {
	totalMi := geo.KmToMiles(r.DistanceKm)
	// "About" every N miles: a last stretch under 15 % of a day's drive is
	// driven on rather than stopping just short of the destination.
	n := int(math.Ceil(totalMi/svc.Options.OvernightEveryMi-overnightSlack)) - 1
	if n <= 0 {
		return nil
	}
	if n > 60 {
		n = 60
	}
	// Cumulative driving distance at each waypoint (route legs when known).
	cum := []float64{0}
	for i := 1; i < len(places); i++ {
		leg := geo.DistanceKm(places[i-1].Point, places[i].Point) * svc.Options.RoadFactor
		if i-1 < len(r.Legs) {
			leg = r.Legs[i-1].DistanceKm
		}
		cum = append(cum, cum[i-1]+leg)
	}
	total := cum[len(cum)-1]
	var out []overnight
	for k := 1; k <= n; k++ {
		at := float64(k) * svc.Options.OvernightEveryMi * geo.KmPerMile * total / r.DistanceKm
		i := 1
		for i < len(cum)-1 && cum[i] < at {
			i++
		}
		frac := 0.0
		if span := cum[i] - cum[i-1]; span > 0 {
			frac = (at - cum[i-1]) / span
		}
		a, b := places[i-1].Point, places[i].Point
		p := geo.Point{Lat: a.Lat + (b.Lat-a.Lat)*frac, Lng: a.Lng + (b.Lng-a.Lng)*frac}
		o := overnight{Night: k, Lat: geo.Round(p.Lat, 4), Lng: geo.Round(p.Lng, 4),
			AfterKm: geo.Round(at, 0), AfterMi: geo.Round(geo.KmToMiles(at), 0)}
		if town, _, ok := svc.gaz.Nearest(p, 5000, 60); ok {
			o.Near, o.NearTown = "near "+town.Label(), true
		} else {
			o.Near = fmt.Sprintf("around %.2f, %.2f (no town nearby: look for an RV park or public land)", p.Lat, p.Lng)
		}
		if startDate != "" {
			if d, err := tools.ParseDay(startDate); err == nil {
				o.Date = d.AddDate(0, 0, k-1).Format(tools.DayLayout)
			}
		}
		out = append(out, o)
	}
	return out
}
