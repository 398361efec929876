package trip

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// benchTool registers the trip tools over a memory cache with a settable clock
// and returns the weather handler, the cache and the clock.
func benchTool(b *testing.B) (tools.Handler, *cache.Memory, *atomic.Int64, *store.User) {
	up := newUpstream(b)
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	mem := cache.NewMemory(cache.MemoryOptions{Now: clock})
	svcs := up.services(mem, clock)
	h := harnessWith(b, func(r *tools.Registry, s store.Store) error {
		return Register(r, Deps{Store: s}.FromServices(svcs))
	})
	tool, _ := h.Reg.Get("get_weather_forecast")
	u := h.User(b, "bench@example.com", store.Settings{})
	return tool.Handler, mem, &now, u
}

// BenchmarkWeatherCacheHit measures the weather tool answering from the cache.
func BenchmarkWeatherCacheHit(b *testing.B) {
	handler, _, _, u := benchTool(b)
	call := &tools.Call{Tool: "get_weather_forecast", Args: json.RawMessage(`{"lat":38.5733,"lng":-109.5498,"days":3}`),
		UserID: u.ID, Role: store.RoleUser, Settings: u.Settings, Now: time.Now()}
	ctx := context.Background()
	if _, err := handler(ctx, call); err != nil { // prime
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := handler(ctx, call); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWeatherRepeatedLocations replays a realistic load: requests from
// 50 popular RV destinations (Zipf-distributed, GPS jitter of up to ~300 m),
// one a second of simulated time, and reports the weather cache hit rate.
func BenchmarkWeatherRepeatedLocations(b *testing.B) {
	handler, mem, now, u := benchTool(b)
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.2, 1, 49)
	dests := make([][2]float64, 50)
	for i := range dests {
		dests[i] = [2]float64{30 + rng.Float64()*18, -120 + rng.Float64()*40}
	}
	ctx := context.Background()
	h0, m0 := mem.Stats()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d := dests[zipf.Uint64()]
		lat := d[0] + (rng.Float64()-0.5)*0.006
		lng := d[1] + (rng.Float64()-0.5)*0.006
		call := &tools.Call{Tool: "get_weather_forecast", Args: json.RawMessage(fmt.Sprintf(`{"lat":%.5f,"lng":%.5f}`, lat, lng)),
			UserID: u.ID, Role: store.RoleUser, Settings: u.Settings, Now: time.Now()}
		if _, err := handler(ctx, call); err != nil {
			b.Fatal(err)
		}
		now.Add(int64(time.Second))
	}
	b.StopTimer()
	h1, m1 := mem.Stats()
	hits, misses := h1-h0, m1-m0
	b.ReportMetric(100*float64(hits)/float64(hits+misses), "hit%")
}
