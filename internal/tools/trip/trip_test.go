package trip

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

// upstream is an httptest server answering like Open-Meteo, OSRM, Overpass
// and a CMA fuel feed, from the recordings in internal/external/testdata.
type upstream struct {
	srv  *httptest.Server
	down atomic.Bool // answer 503 to everything
	hits atomic.Int64
}

func newUpstream(t testing.TB) *upstream {
	u := &upstream{}
	replay := external.ReplayTransport()
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		if u.down.Load() {
			http.Error(w, "upstream down", http.StatusServiceUnavailable)
			return
		}
		resp, err := replay.RoundTrip(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) services(c cache.Cache, now ...func() time.Time) *external.Services {
	var clock func() time.Time
	if len(now) > 0 {
		clock = now[0]
	}
	return external.New(external.Config{
		Now:          clock,
		OpenMeteoURL: u.srv.URL, GeocodeURL: u.srv.URL, OSRMURL: u.srv.URL,
		OverpassURL: u.srv.URL + "/api/interpreter", FuelPriceURL: u.srv.URL + "/fuel/cma.json",
		Timeout: time.Second, BreakerFailures: 100,
	}, c)
}

// harness registers the trip tools over a real SQLite store; online chooses
// whether the outside services exist (false = PAM_OFFLINE).
func harness(t testing.TB, up *upstream, online bool) *toolstest.Harness {
	return harnessWith(t, func(r *tools.Registry, s store.Store) error {
		d := Deps{Store: s}
		if online {
			d = d.FromServices(up.services(cache.NewMemory(cache.MemoryOptions{})))
		}
		return Register(r, d)
	})
}

func harnessWith(t testing.TB, reg func(r *tools.Registry, s store.Store) error) *toolstest.Harness {
	return toolstest.New(t, func(r *tools.Registry, s store.Store, _ tools.Auditor, _ ...tools.RegisterOption) error {
		return reg(r, s)
	})
}

func addFuel(t testing.TB, h *toolstest.Harness, u *store.User, date, vol, unit, price, cur string, odo string) {
	t.Helper()
	v := decimal.RequireFromString(vol)
	p := money.MustParse(price, cur)
	e := &store.FuelEntry{UserID: u.ID, Date: date, Volume: v, VolumeUnit: unit, PricePerUnit: p,
		Total: money.New(v.Mul(p.Amount), cur)}
	if odo != "" {
		e.Odometer = decimal.NewNullDecimal(decimal.RequireFromString(odo))
		e.OdometerUnit = "mi"
		if unit == "L" {
			e.OdometerUnit = "km"
		}
	}
	if err := h.S.AddFuelEntry(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func TestPlanTripRouted(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "a@example.com", store.Settings{Units: "imperial", Currency: "USD", TimeZone: "America/Denver"})
	// 2 fill-ups: 400 mi on 40 gal → 10 mpg; average price (40×4.00 + 40×3.50)/80 = 3.75.
	addFuel(t, h, u, "2026-11-01", "40", "gal", "4.00", "USD", "10000")
	addFuel(t, h, u, "2026-11-10", "40", "gal", "3.50", "USD", "10400")

	res := toolstest.MustOK(t, h.Call(t, u, "plan_trip",
		`{"origin":"Denver, CO","destination":"Moab, UT","start_date":"2026-12-01","budget":"100"}`))
	t.Log(res.Summary)
	d := toolstest.Data(t, res)
	trip := d["trip"].(map[string]any)
	if trip["estimated"] != false || trip["distance_km"] != "571.2" || trip["duration_min"].(float64) != 314 {
		t.Fatalf("trip %+v", trip)
	}
	// 571.2 km / 16.09344 km per gal = 35.5 gal (rounded) × 3.750 = 133.13.
	if fc := trip["fuel_cost"].(map[string]any); fc["amount"] != "133.13" || fc["currency"] != "USD" {
		t.Fatalf("fuel cost %+v (%s)", fc, res.Summary)
	}
	if d["fuel_within_budget"] != false {
		t.Fatalf("fuel $133 is over a $100 budget: %v", d["fuel_within_budget"])
	}
	stops := d["overnight_stops"].([]any)
	if len(stops) != 1 || stops[0].(map[string]any)["date"] != "2026-12-01" {
		t.Fatalf("355 mi needs one overnight: %+v", stops)
	}
	if !strings.Contains(res.Summary, "355 mi") || !strings.Contains(res.Summary, "$133.13") || len(res.UIActions) != 1 {
		t.Fatalf("summary %q actions %v", res.Summary, res.UIActions)
	}
	trips, _, err := h.S.ListTrips(context.Background(), u.ID, store.Page{Limit: 10})
	if err != nil || len(trips) != 1 || trips[0].FuelCost == nil || trips[0].Estimated || trips[0].Origin != "Denver, CO, US" {
		t.Fatalf("stored trips %+v %v", trips, err)
	}
}

func TestPlanTripOfflineEstimate(t *testing.T) {
	h := harness(t, nil, false)
	u := h.User(t, "b@example.com", store.Settings{Units: "metric", Currency: "EUR"})
	res := toolstest.MustOK(t, h.Call(t, u, "plan_trip", `{"origin":"Denver Colorado","destination":"moab","stops":["Grand Junction, CO"]}`))
	t.Log(res.Summary)
	d := toolstest.Data(t, res)
	trip := d["trip"].(map[string]any)
	if trip["estimated"] != true || trip["fuel_cost"] != nil || len(trip["stops"].([]any)) != 1 {
		t.Fatalf("offline trip %+v", trip)
	}
	if !strings.Contains(res.Summary, "km") || !strings.Contains(res.Summary, "estimate") || !strings.Contains(res.Summary, "fuel price") {
		t.Fatalf("summary %q", res.Summary)
	}
}

func TestPlanTripRoutingDownFallsBack(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "c@example.com", store.Settings{})
	up.down.Store(true)
	res := toolstest.MustOK(t, h.Call(t, u, "estimate_travel_time", `{"origin":"Denver, CO","destination":"Moab, UT"}`))
	d := toolstest.Data(t, res)
	if d["estimated"] != true || d["source"] != "estimate" || res.Banner == "" {
		t.Fatalf("want a labelled estimate with a banner: %+v banner %q", d, res.Banner)
	}
	// 414 km great circle × 1.25 = 518 km; at 88 km/h ≈ 353 min.
	if km := d["distance_km"].(float64); km < 510 || km > 525 {
		t.Fatalf("estimate %v km", km)
	}
}

func TestPlaceErrors(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "d@example.com", store.Settings{})
	tests := []struct {
		tool, args string
		want       tools.Status
	}{
		{"plan_trip", `{"origin":"Atlantis","destination":"Moab"}`, tools.StatusInvalidArguments},
		{"plan_trip", `{"origin":"Moab","destination":"Denver","start_date":"2026-12-05","end_date":"2026-12-01"}`, tools.StatusInvalidArguments},
		{"plan_trip", `{"origin":"Moab","destination":"Denver","budget":"lots"}`, tools.StatusInvalidArguments},
		{"get_weather_forecast", `{}`, tools.StatusInvalidArguments}, // no place and no location
		{"get_weather_forecast", `{"lat":95,"lng":0}`, tools.StatusInvalidArguments},
		{"get_weather_forecast", `{"location":"Moab","days":9}`, tools.StatusInvalidArguments},
		{"find_rv_parks", `{"near":"Moab","amenities":["hot tub"]}`, tools.StatusInvalidArguments},
		{"save_favorite_spot", `{"name":"x","lat":1}`, tools.StatusInvalidArguments},
	}
	for _, tt := range tests {
		t.Run(tt.tool+tt.args, func(t *testing.T) {
			if r := h.Call(t, u, tt.tool, tt.args); r.Status != tt.want {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Error, tt.want)
			}
		})
	}
}

func TestWeatherForecast(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	tests := []struct {
		units, want string
	}{
		{"imperial", "54°F/28°F"}, // 12.4 °C / -2.1 °C
		{"metric", "12°C/-2°C"},
	}
	for _, tt := range tests {
		t.Run(tt.units, func(t *testing.T) {
			u := h.User(t, tt.units+"@example.com", store.Settings{Units: tt.units})
			res := toolstest.MustOK(t, h.Call(t, u, "get_weather_forecast", `{"location":"Moab, UT","days":3}`))
			t.Log(res.Summary)
			d := toolstest.Data(t, res)
			if len(d["days"].([]any)) != 3 || !strings.Contains(res.Summary, tt.want) || !strings.Contains(res.Summary, "78% chance") {
				t.Fatalf("summary %q data %v", res.Summary, d)
			}
		})
	}
}

func TestWeatherUsesCallLocation(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "gps@example.com", store.Settings{})
	res := h.Exec.Execute(context.Background(), tools.Call{ID: "1", Tool: "get_weather_forecast", Args: json.RawMessage(`{}`),
		UserID: u.ID, Role: store.RoleUser, Settings: u.Settings,
		Location: &tools.Location{Lat: 38.57, Lng: -109.55, Source: "gps", At: toolstest.Now}})
	if res.Status != tools.StatusOK || !strings.Contains(res.Summary, "your location") {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Summary)
	}
}

func TestDegradedSources(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "e@example.com", store.Settings{})
	// Prime the weather cache, then take everything down.
	toolstest.MustOK(t, h.Call(t, u, "get_weather_forecast", `{"location":"Moab, UT"}`))
	up.down.Store(true)
	// The copy is still fresh: no disclaimer.
	if r := h.Call(t, u, "get_weather_forecast", `{"location":"Moab, UT"}`); r.Status != tools.StatusOK || r.Stale {
		t.Fatalf("cached weather: %+v", r)
	}
	// Never fetched: not_available with an explanation and a banner, no invented data.
	for _, tc := range []struct{ tool, args string }{
		{"get_weather_forecast", `{"location":"Denver, CO"}`},
		{"find_rv_parks", `{"near":"Moab, UT"}`},
		{"find_attractions", `{"near":"Moab, UT"}`},
		{"find_cheap_gas", `{"near":"Bath, GB"}`},
	} {
		r := h.Call(t, u, tc.tool, tc.args)
		if r.Status != tools.StatusNotAvailable || r.Error == "" || r.Banner == "" || r.Data != nil {
			t.Errorf("%s with the source down: %+v", tc.tool, r)
		}
	}
}

func TestStaleWeatherServedWithDisclaimer(t *testing.T) {
	up := newUpstream(t)
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	svcs := up.services(cache.NewMemory(cache.MemoryOptions{Now: clock}), clock)
	h := toolstest.New(t, func(r *tools.Registry, s store.Store, _ tools.Auditor, _ ...tools.RegisterOption) error {
		return Register(r, Deps{Store: s}.FromServices(svcs))
	})
	u := h.User(t, "f@example.com", store.Settings{})
	toolstest.MustOK(t, h.Call(t, u, "get_weather_forecast", `{"location":"Moab, UT"}`))
	now.Add(int64(2 * time.Hour)) // past the 30 min weather tier
	up.down.Store(true)
	r := h.Call(t, u, "get_weather_forecast", `{"location":"Moab, UT"}`)
	if r.Status != tools.StatusOK || !r.Stale || !strings.Contains(r.Disclaimer, "2 hours") || !strings.Contains(r.Summary, "out of date") {
		t.Fatalf("stale weather: %+v", r)
	}
}

func TestOfflineToolsSayNotAvailable(t *testing.T) {
	h := harness(t, nil, false)
	u := h.User(t, "g@example.com", store.Settings{})
	for _, tc := range []struct{ tool, args string }{
		{"get_weather_forecast", `{"location":"Moab, UT"}`},
		{"find_rv_parks", `{"near":"Moab, UT"}`},
		{"find_attractions", `{"near":"Moab, UT"}`},
		{"find_cheap_gas", `{"near":"Moab, UT"}`},
	} {
		if r := h.Call(t, u, tc.tool, tc.args); r.Status != tools.StatusNotAvailable || !strings.Contains(r.Error, "turned off") {
			t.Errorf("%s offline: %+v", tc.tool, r)
		}
	}
	// estimate_travel_time has an offline path.
	toolstest.MustOK(t, h.Call(t, u, "estimate_travel_time", `{"origin":"Moab, UT","destination":"Denver"}`))
}

func TestFindRVParks(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "h@example.com", store.Settings{Currency: "USD"})
	names := func(r tools.Result) []string {
		var out []string
		for _, p := range toolstest.Data(t, r)["parks"].([]any) {
			out = append(out, p.(map[string]any)["name"].(string))
		}
		return out
	}
	tests := []struct {
		args string
		want string
	}{
		{`{"near":"Moab, UT"}`, "Canyonlands RV Resort,Slickrock Campground,Unnamed campground,Horsethief Campground"},
		{`{"near":"Moab, UT","amenities":["power","dump"]}`, "Canyonlands RV Resort"},
		{`{"near":"Moab, UT","max_price":"50"}`, "Slickrock Campground,Unnamed campground,Horsethief Campground"},
		{`{"lat":38.5733,"lng":-109.5498,"amenities":["showers"],"max_price":50}`, "Slickrock Campground"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			r := toolstest.MustOK(t, h.Call(t, u, "find_rv_parks", tt.args))
			if got := strings.Join(names(r), ","); got != tt.want {
				t.Fatalf("parks %s, want %s", got, tt.want)
			}
		})
	}
	r := h.Call(t, u, "find_rv_parks", `{"near":"Moab, UT"}`)
	first := toolstest.Data(t, r)["parks"].([]any)[0].(map[string]any)
	if first["price"] != "65.00" || first["currency"] != "USD" || first["kind"] != "rv_park" {
		t.Fatalf("park %+v", first)
	}
}

func TestParseCharge(t *testing.T) {
	tests := []struct{ in, amount, cur string }{
		{"65 USD", "65", "USD"}, {"USD 30", "30", "USD"}, {"$42", "42", "USD"}, {"30 EUR/night", "30", "EUR"},
		{"£18.50", "18.5", "GBP"}, {"25", "", ""}, {"yes", "", ""}, {"", "", ""},
	}
	for _, tt := range tests {
		d, cur, ok := parseCharge(tt.in)
		if ok != (tt.cur != "") || cur != tt.cur || (ok && !d.Equal(decimal.RequireFromString(tt.amount))) {
			t.Errorf("parseCharge(%q) = %s %s %v", tt.in, d, cur, ok)
		}
	}
}

func FuzzParseCharge(f *testing.F) {
	for _, s := range []string{"65 USD", "$42", "30 EUR/night", "USD 30-45", "free"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, cur, ok := parseCharge(s)
		if ok && (d.IsNegative() || len(cur) != 3) {
			t.Fatalf("parseCharge(%q) = %s %q", s, d, cur)
		}
	})
}

func TestFindAttractions(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "i@example.com", store.Settings{})
	r := toolstest.MustOK(t, h.Call(t, u, "find_attractions", `{"near":"Moab, UT"}`))
	at := toolstest.Data(t, r)["attractions"].([]any)
	if len(at) != 3 || at[0].(map[string]any)["name"] != "Museum of Moab" || at[2].(map[string]any)["kind"] != "viewpoint" {
		t.Fatalf("attractions %+v", at)
	}
	if r := h.Call(t, u, "find_attractions", `{"near":"Moab, UT","kind":"casino"}`); r.Status != tools.StatusInvalidArguments {
		t.Fatalf("unknown kind: %+v", r)
	}
}

func TestFindCheapGasRecordsSavingsOnce(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "j@example.com", store.Settings{Units: "metric", Currency: "GBP", TimeZone: "Europe/London"})
	// Average 1.45 GBP/L over 60 L fills.
	addFuel(t, h, u, "2026-11-02", "60", "L", "1.48", "GBP", "")
	addFuel(t, h, u, "2026-11-12", "60", "L", "1.42", "GBP", "")
	for range 2 {
		r := toolstest.MustOK(t, h.Call(t, u, "find_cheap_gas", `{"near":"Bath, GB","radius_km":10}`))
		t.Log(r.Summary)
		d := toolstest.Data(t, r)
		st := d["stations"].([]any)
		if len(st) != 3 || st[0].(map[string]any)["name"] != "Tesco" || st[0].(map[string]any)["price"] != "1.347" {
			t.Fatalf("stations %+v", st)
		}
		// Baseline 1.45 × 60 = 87.00; optimized 1.347 × 60 = 80.82; saved 6.18.
		sv := d["savings"].(map[string]any)
		if sv["saved"].(map[string]any)["amount"] != "6.18" || !strings.Contains(r.Summary, "£6.18") {
			t.Fatalf("savings %+v, summary %q", sv, r.Summary)
		}
	}
	ev, err := h.S.ListSavings(context.Background(), u.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || len(ev) != 1 || ev[0].Category != "fuel" || ev[0].Source != "find_cheap_gas" {
		t.Fatalf("savings events %+v %v", ev, err)
	}
}

func TestFindCheapGasNoSavingWhenAverageIsLower(t *testing.T) {
	up := newUpstream(t)
	h := harness(t, up, true)
	u := h.User(t, "k@example.com", store.Settings{Units: "metric", Currency: "GBP"})
	addFuel(t, h, u, "2026-11-02", "50", "L", "1.20", "GBP", "")
	r := toolstest.MustOK(t, h.Call(t, u, "find_cheap_gas", `{"near":"Bath, GB"}`))
	if _, ok := toolstest.Data(t, r)["savings"]; ok {
		t.Fatal("no saving when the user already pays less")
	}
	ev, _ := h.S.ListSavings(context.Background(), u.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if len(ev) != 0 {
		t.Fatalf("recorded %+v", ev)
	}
}

func TestFindCheapGasWithoutPriceFeed(t *testing.T) {
	up := newUpstream(t)
	h := toolstest.New(t, func(r *tools.Registry, s store.Store, _ tools.Auditor, _ ...tools.RegisterOption) error {
		d := Deps{Store: s}.FromServices(up.services(cache.NewMemory(cache.MemoryOptions{})))
		d.FuelPrices = nil // no feed for this region
		return Register(r, d)
	})
	u := h.User(t, "l@example.com", store.Settings{})
	addFuel(t, h, u, "2026-11-02", "30", "gal", "3.899", "USD", "")
	r := toolstest.MustOK(t, h.Call(t, u, "find_cheap_gas", `{"near":"Moab, UT"}`))
	d := toolstest.Data(t, r)
	st := d["stations"].([]any)
	if d["prices_live"] != false || len(st) != 2 || st[0].(map[string]any)["price"] != nil {
		t.Fatalf("stations without prices: %+v", d)
	}
	if !strings.Contains(r.Summary, "no live prices") || !strings.Contains(r.Summary, "$3.90/gal") {
		t.Fatalf("summary %q", r.Summary)
	}
}

func TestSaveFavoriteSpot(t *testing.T) {
	h := harness(t, nil, false)
	u := h.User(t, "m@example.com", store.Settings{})
	r := toolstest.MustOK(t, h.Call(t, u, "save_favorite_spot", `{"name":"Secret overlook","lat":38.60,"lng":-109.60,"category":"viewpoint"}`))
	if !strings.Contains(r.Summary, "Moab") || len(r.UIActions) != 1 {
		t.Fatalf("summary %q", r.Summary)
	}
	favs, err := h.S.ListFavorites(context.Background(), u.ID)
	if err != nil || len(favs) != 1 || favs[0].Name != "Secret overlook" || favs[0].Lat != 38.60 {
		t.Fatalf("favorites %+v %v", favs, err)
	}
	other := h.User(t, "n@example.com", store.Settings{})
	if favs, _ := h.S.ListFavorites(context.Background(), other.ID); len(favs) != 0 {
		t.Fatal("favorites leaked across users")
	}
}

func TestToolSources(t *testing.T) {
	h := harness(t, nil, false)
	want := map[string][]string{
		"plan_trip": nil, "estimate_travel_time": nil, "save_favorite_spot": nil,
		"get_weather_forecast": {external.SourceWeather}, "find_rv_parks": {external.SourcePlaces},
		"find_attractions": {external.SourcePlaces}, "find_cheap_gas": {external.SourceFuelPrices, external.SourcePlaces},
	}
	for name, src := range want {
		tool, ok := h.Reg.Get(name)
		if !ok || strings.Join(tool.Sources, ",") != strings.Join(src, ",") {
			t.Errorf("%s sources %v, want %v", name, tool.Sources, src)
		}
	}
	// With every source down, only the tools with an offline path stay offered.
	defs := h.Exec.Definitions(store.RoleUser, func(string) bool { return false })
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	if got := strings.Join(names, ","); got != "estimate_travel_time,plan_trip,save_favorite_spot" {
		t.Fatalf("offered with sources down: %s", got)
	}
}

func TestGeocodingFallback(t *testing.T) {
	up := newUpstream(t)
	// A gazetteer without Moab, so the name must go to the geocoding service.
	gaz, err := geo.ParseGazetteer(strings.NewReader("Denver\tUS\tCO\t682545\t39.73915\t-104.98470\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := harnessWith(t, func(r *tools.Registry, s store.Store) error {
		return Register(r, Deps{Store: s, Gazetteer: gaz}.FromServices(up.services(cache.NewMemory(cache.MemoryOptions{}))))
	})
	u := h.User(t, "geo@example.com", store.Settings{})
	r := toolstest.MustOK(t, h.Call(t, u, "estimate_travel_time", `{"origin":"Denver","destination":"Moab, UT"}`))
	dest := toolstest.Data(t, r)["destination"].(map[string]any)
	if dest["label"] != "Moab, Utah, United States" || dest["source"] != "geocoding" {
		t.Fatalf("destination %+v", dest)
	}
	if r := h.Call(t, u, "estimate_travel_time", `{"origin":"Denver","destination":"Nowhereville"}`); r.Status != tools.StatusInvalidArguments {
		t.Fatalf("unknown place: %+v", r)
	}
	up.down.Store(true)
	r = h.Call(t, u, "estimate_travel_time", `{"origin":"Denver","destination":"Boulder"}`)
	if r.Status != tools.StatusNotAvailable || !strings.Contains(r.Error, "unavailable") {
		t.Fatalf("geocoding down: %+v", r)
	}
}

func TestOvernightStops(t *testing.T) {
	h := harness(t, nil, false)
	u := h.User(t, "o@example.com", store.Settings{})
	tests := []struct {
		dest  string
		stops int
	}{
		{"Boulder, CO", 0},
		{"Moab, UT", 0},           // ~324 mi estimated: within a long day's slack
		{"Salt Lake City, UT", 1}, // ~464 mi
		{"Las Vegas, NV", 2},      // ~757 mi
	}
	for _, tt := range tests {
		t.Run(tt.dest, func(t *testing.T) {
			r := toolstest.MustOK(t, h.Call(t, u, "plan_trip", `{"origin":"Denver, CO","destination":"`+tt.dest+`","start_date":"2026-12-01"}`))
			stops := toolstest.Data(t, r)["overnight_stops"]
			n := 0
			if stops != nil {
				n = len(stops.([]any))
			}
			if n != tt.stops {
				t.Fatalf("%d overnight stops, want %d (%s)", n, tt.stops, r.Summary)
			}
			if n > 0 {
				last := stops.([]any)[n-1].(map[string]any)
				if last["date"] != fmt.Sprintf("2026-12-%02d", n) || last["near"] == "" {
					t.Fatalf("last stop %+v", last)
				}
			}
		})
	}
}

func TestFindCheapGasFeedDownListsStations(t *testing.T) {
	good, bad := newUpstream(t), newUpstream(t)
	bad.down.Store(true)
	h := harnessWith(t, func(r *tools.Registry, s store.Store) error {
		d := Deps{Store: s}.FromServices(good.services(cache.NewMemory(cache.MemoryOptions{})))
		d.FuelPrices = bad.services(cache.NewMemory(cache.MemoryOptions{})).FuelFeeds
		return Register(r, d)
	})
	u := h.User(t, "p@example.com", store.Settings{})
	r := h.Call(t, u, "find_cheap_gas", `{"near":"Moab, UT"}`)
	if r.Status != tools.StatusOK || !r.Partial || r.Banner == "" || len(toolstest.Data(t, r)["stations"].([]any)) != 2 {
		t.Fatalf("feed down, map up: %+v", r)
	}
}
