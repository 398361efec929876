package external

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/geo"
)

// fakeUpstream answers like every service at once, from the recordings, and
// can be switched into a failure mode.
type fakeUpstream struct {
	srv   *httptest.Server
	mode  atomic.Value // string: ok, 5xx, slow, malformed, wrongtype
	hits  atomic.Int64
	wrong map[string]string // source → wrong-typed payload
}

var moab = geo.Point{Lat: 38.5733, Lng: -109.5498}
var bath = geo.Point{Lat: 51.38, Lng: -2.36}

var wrongTyped = map[string]string{
	SourceWeather:    `{"latitude":"38.5","longitude":-109.5,"daily":{"time":["2026-11-24"],"weather_code":[1],"temperature_2m_max":[1],"temperature_2m_min":[0],"precipitation_sum":[0],"wind_speed_10m_max":[1]}}`,
	SourceGeocoding:  `{"results":[{"name":"Moab","latitude":"north","longitude":-109.5}]}`,
	SourceRouting:    `{"code":"Ok","routes":[{"distance":"far","duration":1,"legs":[{"distance":1,"duration":1}]}]}`,
	SourcePlaces:     `{"elements":[{"type":"node","id":"x","lat":1,"lon":2}]}`,
	SourceFuelPrices: `{"last_updated":"24/11/2026 07:30:00","stations":[{"site_id":"a","location":{"latitude":true,"longitude":-2.3},"prices":{}}]}`,
}

func newUpstream(t *testing.T) *fakeUpstream {
	f := &fakeUpstream{wrong: wrongTyped}
	f.mode.Store("ok")
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		if err := checkRequest(r); err != nil {
			http.Error(w, `{"error":true,"reason":"`+err.Error()+`"}`, http.StatusBadRequest)
			return
		}
		name, status := replayFor(r)
		w.Header().Set("Content-Type", "application/json")
		switch f.mode.Load().(string) {
		case "5xx":
			http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
			return
		case "slow":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			return
		case "malformed":
			_, _ = w.Write([]byte(`{"daily":{"time":["2026-11-24"`))
			return
		case "wrongtype":
			_, _ = w.Write([]byte(f.wrong[sourceOf(r)]))
			return
		}
		body, err := Recording(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// checkRequest holds PAM's requests to the services' documented forms.
func checkRequest(r *http.Request) error {
	q := r.URL.Query()
	if r.Header.Get("User-Agent") == "" {
		return errors.New("no User-Agent (Overpass and OSRM ask for one)")
	}
	switch sourceOf(r) {
	case SourceWeather:
		if r.URL.Path != "/v1/forecast" || q.Get("latitude") == "" || q.Get("longitude") == "" || q.Get("daily") == "" {
			return errors.New("forecast needs latitude, longitude and daily")
		}
	case SourceGeocoding:
		if r.URL.Path != "/v1/search" || q.Get("name") == "" {
			return errors.New("geocoding needs name")
		}
	case SourceRouting:
		coords := strings.TrimPrefix(r.URL.Path, "/route/v1/driving/")
		for _, c := range strings.Split(coords, ";") {
			lng, lat, ok := strings.Cut(c, ",")
			if !ok || lng == "" || lat == "" {
				return errors.New("osrm coordinates must be lng,lat;lng,lat")
			}
		}
	case SourcePlaces:
		if r.Method != http.MethodPost || r.URL.Path != "/api/interpreter" {
			return errors.New("overpass wants POST /api/interpreter")
		}
		if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.PostForm.Get("data"), "[out:json]") {
			return errors.New("overpass wants a form field data=[out:json]…")
		}
		r.Body = io.NopCloser(strings.NewReader(url.Values{"data": {r.PostForm.Get("data")}}.Encode()))
	}
	return nil
}

func sourceOf(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/v1/forecast"):
		return SourceWeather
	case strings.HasSuffix(p, "/v1/search"):
		return SourceGeocoding
	case strings.Contains(p, "/route/"):
		return SourceRouting
	case strings.HasSuffix(p, "/fuel/cma.json"):
		return SourceFuelPrices
	}
	return SourcePlaces
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newServices(t *testing.T, up *fakeUpstream, mod func(*Config)) (*Services, *testClock) {
	clk := &testClock{t: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}
	cfg := Config{
		OpenMeteoURL: up.srv.URL, GeocodeURL: up.srv.URL, OSRMURL: up.srv.URL,
		OverpassURL: up.srv.URL + "/api/interpreter", FuelPriceURL: up.srv.URL + "/fuel/cma.json",
		Timeout: 300 * time.Millisecond, BreakerFailures: 3, BreakerOpenFor: 200 * time.Millisecond,
		Now: clk.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg, cache.NewMemory(cache.MemoryOptions{Now: clk.Now})), clk
}

// calls exercises each client once.
var calls = map[string]func(ctx context.Context, s *Services) (Meta, error){
	SourceWeather: func(ctx context.Context, s *Services) (Meta, error) {
		_, m, err := s.Weather.Forecast(ctx, moab, 7)
		return m, err
	},
	SourceGeocoding: func(ctx context.Context, s *Services) (Meta, error) {
		_, m, err := s.Geocoder.Search(ctx, "Moab", 5)
		return m, err
	},
	SourceRouting: func(ctx context.Context, s *Services) (Meta, error) {
		_, m, err := s.Router.Route(ctx, []geo.Point{{Lat: 39.74, Lng: -104.99}, moab})
		return m, err
	},
	SourcePlaces: func(ctx context.Context, s *Services) (Meta, error) {
		_, m, err := s.Places.Near(ctx, KindCampsites, "", moab, 25)
		return m, err
	},
	SourceFuelPrices: func(ctx context.Context, s *Services) (Meta, error) {
		_, m, err := s.FuelFeeds.Stations(ctx, bath, 10)
		return m, err
	},
}

func TestRecordedShapes(t *testing.T) {
	up := newUpstream(t)
	s, _ := newServices(t, up, nil)
	ctx := context.Background()

	f, meta, err := s.Weather.Forecast(ctx, moab, 7)
	if err != nil || meta.Stale || len(f.Days) != 7 || f.Days[2].Conditions != "rain" || f.Days[0].TempMaxC != 12.4 ||
		f.Days[2].PrecipProbPct == nil || *f.Days[2].PrecipProbPct != 78 || f.TimeZone != "America/Denver" {
		t.Fatalf("forecast %+v %+v %v", f, meta, err)
	}
	g, _, err := s.Geocoder.Search(ctx, "Moab", 5)
	if err != nil || len(g) != 2 || g[0].Admin1 != "Utah" || g[0].Lat != 38.57332 {
		t.Fatalf("geocoding %+v %v", g, err)
	}
	if g, _, err := s.Geocoder.Search(ctx, "Nowhereville", 5); err != nil || len(g) != 0 {
		t.Fatalf("no-match geocoding %+v %v", g, err)
	}
	rt, _, err := s.Router.Route(ctx, []geo.Point{{Lat: 39.74, Lng: -104.99}, moab})
	if err != nil || !rt.Found || rt.DistanceKm != 571.2 || rt.DurationMin != 314 || len(rt.Legs) != 1 {
		t.Fatalf("route %+v %v", rt, err)
	}
	parks, _, err := s.Places.Near(ctx, KindCampsites, "", moab, 25)
	if err != nil || len(parks) != 4 || parks[0].Tags["tourism"] == "" || parks[0].DistanceKm > parks[1].DistanceKm {
		t.Fatalf("parks %+v %v", parks, err)
	}
	stations, _, err := s.FuelFeeds.Stations(ctx, bath, 10)
	if err != nil || len(stations) != 3 { // the Bristol station is ~20 km away
		t.Fatalf("stations %+v %v", stations, err)
	}
	for _, st := range stations {
		if st.ID == "gbfs0002" && !st.Prices["regular"].Equal(decimal.RequireFromString("1.347")) {
			t.Fatalf("Tesco E10 = %s, want 1.347 GBP/L", st.Prices["regular"])
		}
	}
}

func TestCacheFirst(t *testing.T) {
	up := newUpstream(t)
	s, clk := newServices(t, up, nil)
	ctx := context.Background()
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			before := up.hits.Load()
			if _, err := call(ctx, s); err != nil {
				t.Fatal(err)
			}
			m, err := call(ctx, s)
			if err != nil || !m.Cached || up.hits.Load()-before != 1 {
				t.Fatalf("second call: meta %+v err %v, upstream hits %d (want 1)", m, err, up.hits.Load()-before)
			}
		})
	}
	// Past every tier the next call goes upstream again.
	clk.Advance(8 * 24 * time.Hour)
	before := up.hits.Load()
	if m, err := calls[SourceRouting](ctx, s); err != nil || m.Cached || up.hits.Load() == before {
		t.Fatalf("after expiry: %+v %v", m, err)
	}
}

func TestStaleFallback(t *testing.T) {
	for _, mode := range []string{"5xx", "slow", "malformed", "wrongtype"} {
		for name, call := range calls {
			t.Run(mode+"/"+name, func(t *testing.T) {
				up := newUpstream(t)
				s, clk := newServices(t, up, nil)
				ctx := context.Background()
				up.mode.Store(mode)
				// Without a cached copy the failure surfaces as UPSTREAM_UNAVAILABLE.
				if _, err := call(ctx, s); !IsUnavailable(err) {
					t.Fatalf("cold failure: err %v, want unavailable", err)
				}
				up.mode.Store("ok")
				if _, err := call(ctx, s); err != nil {
					t.Fatal(err)
				}
				clk.Advance(tierOf(name) + time.Minute) // no longer fresh; the stale copy is kept
				up.mode.Store(mode)
				m, err := call(ctx, s)
				if err != nil || !m.Stale || m.Disclaimer == "" {
					t.Fatalf("want stale copy with disclaimer, got %+v %v", m, err)
				}
			})
		}
	}
}

func tierOf(source string) time.Duration {
	t := cache.DefaultTiers()
	return map[string]time.Duration{SourceWeather: t.Weather, SourceGeocoding: t.Geocoding,
		SourceRouting: t.Routes, SourcePlaces: t.Places, SourceFuelPrices: t.FuelPrices}[source]
}

func TestWeatherOneEntryPerPlace(t *testing.T) {
	up := newUpstream(t)
	s, _ := newServices(t, up, nil)
	ctx := context.Background()
	if err := s.Weather.Warm(ctx, moab); err != nil {
		t.Fatal(err)
	}
	for _, days := range []int{1, 3, 7} {
		f, m, err := s.Weather.Forecast(ctx, geo.Point{Lat: moab.Lat + 0.001, Lng: moab.Lng}, days)
		if err != nil || !m.Cached || len(f.Days) != days {
			t.Fatalf("%d days: %d days, meta %+v, err %v", days, len(f.Days), m, err)
		}
	}
	if up.hits.Load() != 1 {
		t.Fatalf("upstream hit %d times, want 1", up.hits.Load())
	}
}

func TestStaleCopyExpiresAfter24h(t *testing.T) {
	up := newUpstream(t)
	s, clk := newServices(t, up, nil)
	ctx := context.Background()
	if _, _, err := s.Weather.Forecast(ctx, moab, 3); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30*time.Minute + 24*time.Hour + time.Minute)
	up.mode.Store("5xx")
	if _, _, err := s.Weather.Forecast(ctx, moab, 3); !IsUnavailable(err) {
		t.Fatalf("a 24 h old copy must not be served, err %v", err)
	}
}

func TestBreakerOpensAndCloses(t *testing.T) {
	up := newUpstream(t)
	s, _ := newServices(t, up, nil)
	ctx := context.Background()
	up.mode.Store("5xx")
	for i := range 3 {
		if _, err := calls[SourceRouting](ctx, s); !IsUnavailable(err) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if s.Available(SourceRouting) {
		t.Fatal("breaker should be open after 3 failures")
	}
	if !s.Available(SourceWeather) {
		t.Fatal("one source's breaker must not affect another")
	}
	hits := up.hits.Load()
	if _, err := calls[SourceRouting](ctx, s); !IsUnavailable(err) || up.hits.Load() != hits {
		t.Fatalf("open breaker must not call upstream (err %v, hits %d→%d)", err, hits, up.hits.Load())
	}
	if st := s.Health()[SourceRouting]; st.Breaker != "open" {
		t.Fatalf("health %+v", st)
	}
	up.mode.Store("ok")
	time.Sleep(250 * time.Millisecond) // BreakerOpenFor
	if _, err := calls[SourceRouting](ctx, s); err != nil {
		t.Fatalf("half-open trial: %v", err)
	}
	if !s.Available(SourceRouting) || s.Health()[SourceRouting].Breaker != "closed" {
		t.Fatalf("breaker should close after a good trial: %+v", s.Health()[SourceRouting])
	}
}

func TestCallerCancelDoesNotTripBreaker(t *testing.T) {
	up := newUpstream(t)
	s, _ := newServices(t, up, func(c *Config) { c.BreakerFailures = 1 })
	up.mode.Store("slow")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _ = calls[SourceWeather](ctx, s)
	if !s.Available(SourceWeather) {
		t.Fatal("a caller giving up must not open the breaker")
	}
}

func TestHealthChecks(t *testing.T) {
	up := newUpstream(t)
	s, _ := newServices(t, up, nil)
	ctx := context.Background()
	for name, st := range s.Health() {
		if st.State != StateUnknown || !s.Available(name) {
			t.Fatalf("%s before checks: %+v", name, st)
		}
	}
	s.CheckNow(ctx)
	for name, st := range s.Health() {
		if st.State != StateUp || st.LastCheck.IsZero() {
			t.Fatalf("%s after good check: %+v", name, st)
		}
	}
	up.mode.Store("5xx")
	s.CheckNow(ctx)
	for name, st := range s.Health() {
		if st.State != StateDown || st.LastError == "" || s.Available(name) {
			t.Fatalf("%s after failed check: %+v", name, st)
		}
	}
	up.mode.Store("ok")
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	deadline := time.Now().Add(2 * time.Second)
	for !s.Available(SourceWeather) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil || !s.Available(SourceWeather) {
		t.Fatalf("Run should check at start: %v", err)
	}
}

func TestOffline(t *testing.T) {
	up := newUpstream(t)
	s, _ := newServices(t, up, func(c *Config) { c.Offline = true })
	for name, call := range calls {
		if _, err := call(context.Background(), s); !errors.Is(err, ErrOffline) {
			t.Errorf("%s offline: %v", name, err)
		}
		if s.Available(name) || s.Health()[name].State != StateDisabled {
			t.Errorf("%s should be disabled: %+v", name, s.Health()[name])
		}
	}
	if up.hits.Load() != 0 {
		t.Fatalf("offline mode called upstream %d times", up.hits.Load())
	}
}

func TestReplayMode(t *testing.T) {
	s := New(Config{Replay: true}, cache.NewMemory(cache.MemoryOptions{}))
	for name, call := range calls {
		if _, err := call(context.Background(), s); err != nil {
			t.Errorf("%s replay: %v", name, err)
		}
	}
	at, _, err := s.Places.Near(context.Background(), KindAttractions, "", moab, 30)
	if err != nil || len(at) != 3 {
		t.Fatalf("replay attractions %+v %v", at, err)
	}
	s.CheckNow(context.Background())
	for name, st := range s.Health() {
		if st.State != StateUp {
			t.Errorf("%s replay health %+v", name, st)
		}
	}
}

func TestNoRouteIsAnAnswer(t *testing.T) {
	body, _ := Recording("osrm_noroute.json")
	rt, err := parseRoute(body, 1)
	if err != nil || rt.Found {
		t.Fatalf("NoRoute: %+v %v", rt, err)
	}
}

func TestParsersRejectBadPayloads(t *testing.T) {
	overpassErr, _ := Recording("overpass_error.json")
	tests := []struct {
		name  string
		parse func([]byte) error
		body  string
	}{
		{"forecast arrays differ", func(b []byte) error { _, err := parseForecast(b); return err },
			`{"latitude":1,"longitude":2,"daily":{"time":["a","b"],"weather_code":[1],"temperature_2m_max":[1],"temperature_2m_min":[1],"precipitation_sum":[1],"wind_speed_10m_max":[1]}}`},
		{"forecast implausible", func(b []byte) error { _, err := parseForecast(b); return err },
			`{"latitude":1,"longitude":2,"daily":{"time":["a"],"weather_code":[1],"temperature_2m_max":[400],"temperature_2m_min":[1],"precipitation_sum":[1],"wind_speed_10m_max":[1]}}`},
		{"forecast api error", func(b []byte) error { _, err := parseForecast(b); return err },
			`{"error":true,"reason":"Latitude must be in range of -90 to 90°."}`},
		{"forecast trailing", func(b []byte) error { _, err := parseForecast(b); return err }, `{} {}`},
		{"geocoding bad lat", func(b []byte) error { _, err := parseGeocoding(b); return err },
			`{"results":[{"name":"X","latitude":123,"longitude":2}]}`},
		{"route legs", func(b []byte) error { _, err := parseRoute(b, 2); return err },
			`{"code":"Ok","routes":[{"distance":1,"duration":1,"legs":[{"distance":1,"duration":1}]}]}`},
		{"route error code", func(b []byte) error { _, err := parseRoute(b, 1); return err },
			`{"code":"InvalidQuery","message":"Query string malformed"}`},
		{"overpass runtime error", func(b []byte) error { _, err := parseOverpass(b, moab); return err }, string(overpassErr)},
		{"overpass no elements", func(b []byte) error { _, err := parseOverpass(b, moab); return err }, `{"version":0.6}`},
		{"cma bad date", func(b []byte) error { _, err := parseCMAFeed(b); return err },
			`{"last_updated":"2026-11-24","stations":[]}`},
		{"cma wrong-typed price", func(b []byte) error { _, err := parseCMAFeed(b); return err },
			`{"last_updated":"24/11/2026 07:30:00","stations":[{"site_id":"a","location":{"latitude":51,"longitude":-2},"prices":{"E10":"cheap"}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse([]byte(tt.body))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a ValidationError, got %v", err)
			}
		})
	}
}

func TestCMAFeedDropsImplausiblePrice(t *testing.T) {
	st, err := parseCMAFeed([]byte(`{"last_updated":"24/11/2026 07:30:00","stations":[{"site_id":"a","brand":"X","location":{"latitude":51,"longitude":-2},"prices":{"E10":1399,"B7":145.9}}]}`))
	if err != nil || len(st) != 1 {
		t.Fatal(err)
	}
	if _, ok := st[0].Prices["regular"]; ok {
		t.Fatal("a 1399p/L price must be dropped")
	}
	if !st[0].Prices["diesel"].Equal(decimal.RequireFromString("1.459")) {
		t.Fatalf("diesel %v", st[0].Prices["diesel"])
	}
}
