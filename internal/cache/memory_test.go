package cache

import (
	"context"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestMemoryFreshStaleExpired(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}
	m := NewMemory(MemoryOptions{StaleFor: 24 * time.Hour, Now: clk.Now})
	if err := m.Set(ctx, "weather:1", []byte("sunny"), 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		advance   time.Duration
		wantFresh bool
		wantStale bool
	}{
		{"just stored", 0, true, true},
		{"29 min", 29 * time.Minute, true, true},
		{"31 min: stale only", 2 * time.Minute, false, true},
		{"22.5 h: still stale", 22 * time.Hour, false, true},
		{"24.5 h: gone", 2 * time.Hour, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			v, ok, err := m.Get(ctx, "weather:1")
			if err != nil || ok != tt.wantFresh || (ok && string(v) != "sunny") {
				t.Fatalf("Get = %q, %v, %v; want fresh=%v", v, ok, err, tt.wantFresh)
			}
			e, ok, err := m.GetStale(ctx, "weather:1")
			if err != nil || ok != tt.wantStale {
				t.Fatalf("GetStale ok=%v err=%v; want %v", ok, err, tt.wantStale)
			}
			if ok && e.Fresh != tt.wantFresh {
				t.Fatalf("Entry.Fresh = %v, want %v", e.Fresh, tt.wantFresh)
			}
		})
	}
}

func TestMemoryStaleWindowFollowsTTL(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(0, 0)}
	m := NewMemory(MemoryOptions{StaleFor: time.Hour, Now: clk.Now})
	_ = m.Set(ctx, "route:a:b", []byte("x"), 24*time.Hour)
	clk.Advance(23 * time.Hour)
	if _, ok, _ := m.Get(ctx, "route:a:b"); !ok {
		t.Fatal("a 24 h entry must stay fresh after 23 h")
	}
	clk.Advance(90 * time.Minute)
	if e, ok, _ := m.GetStale(ctx, "route:a:b"); !ok || e.Fresh {
		t.Fatal("a 24 h entry must be kept stale for the window after its TTL")
	}
	clk.Advance(time.Hour)
	if _, ok, _ := m.GetStale(ctx, "route:a:b"); ok {
		t.Fatal("past TTL + window the entry must be gone")
	}
}

func TestMemoryDeleteAndPrefix(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(MemoryOptions{})
	for _, k := range []string{"ctx:u1", "ctx:u1:budget", "ctx:u2", "weather:x"} {
		_ = m.Set(ctx, k, []byte(k), time.Minute)
	}
	_ = m.Delete(ctx, "weather:x")
	_ = m.DeletePrefix(ctx, "ctx:u1")
	for k, want := range map[string]bool{"ctx:u1": false, "ctx:u1:budget": false, "ctx:u2": true, "weather:x": false} {
		if _, ok, _ := m.GetStale(ctx, k); ok != want {
			t.Errorf("%s present=%v, want %v", k, ok, want)
		}
	}
}

func TestMemoryCopiesValueAndEvicts(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(0, 0)}
	m := NewMemory(MemoryOptions{MaxEntries: 2, Now: clk.Now})
	buf := []byte("abc")
	_ = m.Set(ctx, "a", buf, time.Minute)
	buf[0] = 'z'
	if v, _, _ := m.Get(ctx, "a"); string(v) != "abc" {
		t.Fatalf("value not copied: %q", v)
	}
	clk.Advance(time.Second)
	_ = m.Set(ctx, "b", []byte("b"), time.Minute)
	clk.Advance(time.Second)
	_ = m.Set(ctx, "c", []byte("c"), time.Minute)
	if m.Len() != 2 {
		t.Fatalf("Len = %d, want 2", m.Len())
	}
	if _, ok, _ := m.GetStale(ctx, "a"); ok {
		t.Fatal("oldest entry should have been evicted")
	}
}

func TestMemoryHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := NewMemory(MemoryOptions{})
	if err := m.Set(ctx, "k", nil, time.Minute); err == nil {
		t.Fatal("Set on a cancelled context must fail")
	}
}

func TestTiersDefaults(t *testing.T) {
	got := Tiers{Weather: time.Minute}.WithDefaults()
	if got.Weather != time.Minute || got.Routes != 24*time.Hour || got.Geocoding != 7*24*time.Hour ||
		got.FuelPrices != time.Hour || got.UserContext != 5*time.Minute || got.Stale != 24*time.Hour {
		t.Fatalf("unexpected tiers %+v", got)
	}
}

func TestMemoryConcurrentUse(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(MemoryOptions{MaxEntries: 64})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := string(rune('a' + (g+i)%100))
				_ = m.Set(ctx, k, []byte{byte(i)}, time.Minute)
				_, _, _ = m.Get(ctx, k)
				_, _, _ = m.GetStale(ctx, k)
				if i%50 == 0 {
					_ = m.DeletePrefix(ctx, "b")
				}
			}
		}()
	}
	wg.Wait()
	if m.Len() > 64 {
		t.Fatalf("Len %d exceeds MaxEntries", m.Len())
	}
}
