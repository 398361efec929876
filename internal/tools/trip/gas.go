package trip

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type gasArgs struct {
	whereArgs
	RadiusKm *float64 `json:"radius_km"`
}

type gasStation struct {
	Name       string  `json:"name"`
	Address    string  `json:"address,omitempty"`
	Price      string  `json:"price,omitempty"` // per Unit in Currency, from a live price feed
	Currency   string  `json:"currency,omitempty"`
	Unit       string  `json:"unit,omitempty"`
	Grade      string  `json:"grade,omitempty"`
	DistanceKm float64 `json:"distance_km"`
	Lat        float64 `json:"lat"`
	Lng        float64 `json:"lng"`
	price      decimal.Decimal
}

func (svc *service) findCheapGas(ctx context.Context, call *tools.Call) (*tools.Result, error) {
	var a gasArgs
	if err := call.Bind(&a); err != nil {
		return nil, err
	}
	hist, haveHist, err := svc.fuelHistoryOf(ctx, call)
	if err != nil {
		return nil, err
	}
	if svc.FuelPrices == nil && svc.Places == nil {
		r := notConfigured("fuel prices or stations")
		if haveHist {
			r.Error += " " + avgText(hist)
		}
		return r, nil
	}
	where, err := svc.resolveWhere(ctx, call, a.whereArgs)
	if err != nil {
		return nil, err
	}
	radius := radiusOr(a.RadiusKm, 15)
	grade := svc.gradeFor(ctx, call)

	var stations []gasStation
	var meta external.Meta
	priced, feedDown := false, false
	if svc.FuelPrices != nil {
		feed, m, err := svc.FuelPrices.Stations(ctx, where.Point, radius)
		switch {
		case err == nil:
			meta = m
			for _, s := range feed {
				p, ok := s.Prices[grade]
				if !ok {
					continue
				}
				stations = append(stations, gasStation{Name: s.Brand, Address: s.Address, Price: p.String(), Currency: s.Currency,
					Unit: s.Unit, Grade: grade, DistanceKm: s.DistanceKm, Lat: s.Lat, Lng: s.Lng, price: p})
			}
			priced = len(stations) > 0
		case external.IsUnavailable(err):
			feedDown = true
		default:
			return nil, err
		}
	}
	if !priced && svc.Places != nil {
		found, m, err := svc.Places.Near(ctx, external.KindFuel, "", where.Point, radius)
		switch {
		case err == nil:
			meta = m
			for _, f := range found {
				name := f.Name
				if name == "" {
					name = f.Tags["brand"]
				}
				if name == "" {
					name = "Fuel station"
				}
				stations = append(stations, gasStation{Name: name, DistanceKm: f.DistanceKm, Lat: f.Lat, Lng: f.Lng})
			}
		case external.IsUnavailable(err):
			// Nothing priced to show and no station list: say so rather than "none found".
			r := unavailable("fuel stations", "Fuel price search is temporarily unavailable.")
			if haveHist {
				r.Error += " " + avgText(hist)
			}
			return r, nil
		default:
			return nil, err
		}
	}
	if priced {
		sort.SliceStable(stations, func(i, j int) bool {
			if c := stations[i].price.Cmp(stations[j].price); c != 0 {
				return c < 0
			}
			return stations[i].DistanceKm < stations[j].DistanceKm
		})
	}
	if len(stations) > 15 {
		stations = stations[:15]
	}
	u := unitsOf(call)
	data := map[string]any{"near": where, "radius_km": radius, "stations": nonNil(stations), "prices_live": priced}
	res := &tools.Result{Data: data}
	switch {
	case len(stations) == 0:
		res.Status = tools.StatusNoResults
		res.Summary = fmt.Sprintf("I found no fuel stations within %s of %s.", u.distance(radius), where.Label)
	case priced:
		best := stations[0]
		res.Summary = fmt.Sprintf("Cheapest %s near %s: %s at %s (%s away).", grade, where.Label, best.Name,
			perUnit(best.price, best.Currency, best.Unit), u.distance(best.DistanceKm))
		if haveHist {
			saving, err := svc.recordFuelSaving(ctx, call, hist, best)
			if err != nil {
				return nil, err
			}
			if saving != nil {
				data["savings"] = saving
				res.Summary += fmt.Sprintf(" That's %s less than your recent average on a typical %s %s fill.",
					saving.Saved.Format(), hist.AvgFill.String(), hist.Unit)
			}
		}
	default:
		res.Partial = feedDown
		names := firstFew(stations, func(s gasStation) string { return fmt.Sprintf("%s (%s)", s.Name, u.distance(s.DistanceKm)) })
		res.Summary = fmt.Sprintf("Fuel stations near %s: %s. I have no live prices for them.", where.Label, names)
		if haveHist {
			res.Summary += " " + avgText(hist)
			data["your_recent_average"] = map[string]string{"price": hist.AvgPrice.String(), "currency": hist.Currency, "unit": hist.Unit}
		}
		if feedDown {
			res.Banner = "Live fuel prices are temporarily unavailable."
		}
	}
	applyMeta(res, meta)
	return res, nil
}

func avgText(h fuelHistory) string {
	return fmt.Sprintf("Your recent average from your own fill-ups is %s.", perUnit(h.AvgPrice, h.Currency, h.Unit))
}

// gradeFor picks the fuel grade from the user's first vehicle (diesel or regular).
func (svc *service) gradeFor(ctx context.Context, call *tools.Call) string {
	vs, err := svc.Store.ListVehicles(ctx, call.UserID)
	if err == nil {
		for _, v := range vs {
			if strings.Contains(strings.ToLower(v.FuelType), "diesel") {
				return "diesel"
			}
		}
	}
	return "regular"
}

// recordFuelSaving records a savings event when best is cheaper than the
// user's recent average (same currency; volumes converted between gal and L),
// for a typical fill. It records at most one per station per day.
func (svc *service) recordFuelSaving(ctx context.Context, call *tools.Call, h fuelHistory, best gasStation) (*store.SavingsEvent, error) {
	if best.Currency != h.Currency {
		return nil, nil
	}
	price := best.price // per best.Unit
	switch {
	case best.Unit == h.Unit:
	case best.Unit == "L" && h.Unit == "gal":
		price = price.Mul(litresPerGallon)
	case best.Unit == "gal" && h.Unit == "L":
		price = price.Div(litresPerGallon)
	default:
		return nil, nil
	}
	if !price.LessThan(h.AvgPrice) {
		return nil, nil
	}
	baseline := money.New(h.AvgPrice.Mul(h.AvgFill), h.Currency)
	optimized := money.New(price.Mul(h.AvgFill), h.Currency)
	saved := money.New(baseline.Amount.Sub(optimized.Amount), h.Currency)
	if !saved.Amount.IsPositive() {
		return nil, nil
	}
	desc := fmt.Sprintf("Cheaper fuel at %s (%s/%s vs your average %s/%s)", best.Name, best.Price, best.Unit, h.AvgPrice, h.Unit)
	now := call.Now
	if now.IsZero() {
		now = time.Now()
	}
	existing, err := svc.Store.ListSavings(ctx, call.UserID, now.Add(-24*time.Hour), now.Add(24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("find_cheap_gas: %w", err)
	}
	for _, e := range existing {
		if e.Source == "find_cheap_gas" && e.Description == desc {
			return &e, nil // already recorded today: finding it twice saves nothing more
		}
	}
	ev := &store.SavingsEvent{UserID: call.UserID, Category: "fuel", Description: desc,
		Baseline: baseline, Optimized: optimized, Saved: saved, Source: "find_cheap_gas"}
	if err := svc.Store.RecordSavings(ctx, ev); err != nil {
		return nil, fmt.Errorf("find_cheap_gas: %w", err)
	}
	return ev, nil
}
