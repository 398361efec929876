package ratelimit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
)

type fixedLoad bool

func (f *fixedLoad) Overloaded() bool { return bool(*f) }

func TestWorkQueueRunsByPriorityThenOrder(t *testing.T) {
	q := NewWorkQueue(WorkQueueConfig{Workers: 1, MaxDepth: 10})
	var mu sync.Mutex
	var order []string
	add := func(p Priority, name string) {
		if err := q.Submit(p, func(context.Context) { mu.Lock(); order = append(order, name); mu.Unlock() }); err != nil {
			t.Fatal(err)
		}
	}
	add(CacheWarming, "warm")
	add(Analytics, "analytics")
	add(UserTurn, "turn1")
	add(Summary, "summary")
	add(UserTurn, "turn2")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	deadline := time.Now().Add(2 * time.Second)
	for q.Stats().Done < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	want := []string{"turn1", "turn2", "summary", "analytics", "warm"}
	if len(order) != len(want) {
		t.Fatalf("ran %v", order)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}

func TestWorkQueueRefusesWhenDeep(t *testing.T) {
	q := NewWorkQueue(WorkQueueConfig{Workers: 1, MaxDepth: 3, RetryAfter: 2 * time.Second})
	for range 3 {
		if err := q.Submit(UserTurn, func(context.Context) {}); err != nil {
			t.Fatal(err)
		}
	}
	err := q.Submit(UserTurn, func(context.Context) {})
	var pe *pamerr.Error
	if !errors.As(err, &pe) || pe.Code != pamerr.Overloaded || pe.RetryAfter != 2*time.Second {
		t.Fatalf("fourth submit = %v, want OVERLOADED with Retry-After 2s", err)
	}
	if q.Stats().Rejected != 1 {
		t.Fatalf("rejected = %d", q.Stats().Rejected)
	}
}

func TestWorkQueueShedsOnlyNonCritical(t *testing.T) {
	load := fixedLoad(true)
	q := NewWorkQueue(WorkQueueConfig{Load: &load})
	if err := q.Submit(Analytics, func(context.Context) {}); !errors.Is(err, ErrShed) {
		t.Fatalf("analytics under load = %v, want shed", err)
	}
	if err := q.Submit(UserTurn, func(context.Context) {}); err != nil {
		t.Fatalf("user turn under load = %v, want queued", err)
	}
	if got := q.Stats().Shed["analytics"]; got != 1 {
		t.Fatalf("shed analytics = %d, want 1", got)
	}
}

func TestShedderCPUAndLatency(t *testing.T) {
	tests := []struct {
		name       string
		busy, tot  uint64 // second sample's deltas over the first
		latency    time.Duration
		budget     time.Duration
		overloaded bool
	}{
		{"idle", 10, 100, 0, 0, false},
		{"cpu 95%", 95, 100, 0, 0, true},
		{"cpu 90% exactly", 90, 100, 0, 0, false},
		{"slow turns", 10, 100, 3 * time.Second, time.Second, true},
		{"fast turns", 10, 100, 100 * time.Millisecond, time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			samples := [][2]uint64{{1000, 5000}, {1000 + tc.busy, 5000 + tc.tot}}
			i := 0
			s := NewShedder(ShedderConfig{Latency: tc.budget, ReadCPU: func() (uint64, uint64, error) {
				v := samples[min(i, 1)]
				i++
				return v[0], v[1], nil
			}})
			s.Sample()
			s.Sample()
			if tc.latency > 0 {
				for range 20 {
					s.Observe(tc.latency)
				}
			}
			if s.Overloaded() != tc.overloaded {
				t.Fatalf("overloaded = %v (cpu %.1f%%), want %v", s.Overloaded(), s.CPUPercent(), tc.overloaded)
			}
		})
	}
}

func TestParseCPULine(t *testing.T) {
	busy, total, err := parseCPULine("cpu  100 5 50 800 40 3 2 0 7 0")
	if err != nil || total != 1000 || busy != 160 {
		t.Fatalf("= %d %d %v, want 160 1000", busy, total, err)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4", "cpu 1 x 3 4 5", "cpu 1 2"} {
		if _, _, err := parseCPULine(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseCPULine(f *testing.F) {
	f.Add("cpu  100 5 50 800 40 3 2 0 7 0")
	f.Add("cpu 1 2 3 4")
	f.Fuzz(func(t *testing.T, line string) {
		busy, total, err := parseCPULine(line)
		if err == nil && busy > total {
			t.Fatalf("busy %d > total %d", busy, total)
		}
	})
}

func TestAdaptiveEarnsAndLoses(t *testing.T) {
	now := time.Now()
	a := NewAdaptive(NewMemory(), AdaptiveConfig{Step: time.Hour, StepGain: 0.5, MaxGain: 1})
	a.now = func() time.Time { return now }
	if got := a.Limit("user:u1", 10); got != 10 {
		t.Fatalf("new user limit %d", got)
	}
	now = now.Add(time.Hour)
	if got := a.Limit("user:u1", 10); got != 15 {
		t.Fatalf("after one clean step %d, want 15", got)
	}
	now = now.Add(10 * time.Hour)
	if got := a.Limit("user:u1", 10); got != 20 {
		t.Fatalf("capped limit %d, want 20", got)
	}
	a.Violation("user:u1")
	if got := a.Limit("user:u1", 10); got != 10 {
		t.Fatalf("after a violation %d, want 10", got)
	}
}

func TestToolRules(t *testing.T) {
	r, err := ParseToolRules("plan_trip=2/1m, find_rv_parks=10/30s")
	if err != nil || r["plan_trip"] != (Rule{2, time.Minute}) || r["find_rv_parks"] != (Rule{10, 30 * time.Second}) {
		t.Fatalf("parse = %v %v", r, err)
	}
	for _, bad := range []string{"plan_trip", "plan_trip=0/1m", "plan_trip=2/x", "=2/1m"} {
		if _, err := ParseToolRules(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	l := NewMemory()
	ctx := context.Background()
	for i := range 2 {
		if err := r.CheckTool(ctx, l, "u1", "plan_trip"); err != nil {
			t.Fatalf("call %d refused: %v", i, err)
		}
	}
	err = r.CheckTool(ctx, l, "u1", "plan_trip")
	if pamerr.CodeOf(err) != pamerr.RateLimited || pamerr.RetryAfterOf(err) <= 0 {
		t.Fatalf("third plan_trip = %v, want RATE_LIMITED with retry", err)
	}
	if err := r.CheckTool(ctx, l, "u2", "plan_trip"); err != nil {
		t.Fatalf("another user limited: %v", err)
	}
	if err := r.CheckTool(ctx, l, "u1", "get_weather_forecast"); err != nil {
		t.Fatalf("unlisted tool limited: %v", err)
	}
}

func TestMemoryConcurrency(t *testing.T) {
	m := NewMemoryConcurrency()
	ctx := context.Background()
	r1, ok1, _ := m.Acquire(ctx, "u", 2)
	_, ok2, _ := m.Acquire(ctx, "u", 2)
	_, ok3, _ := m.Acquire(ctx, "u", 2)
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("= %v %v %v", ok1, ok2, ok3)
	}
	r1()
	r1() // a second release must not free another slot
	if m.Held("u") != 1 {
		t.Fatalf("held %d after one release, want 1", m.Held("u"))
	}
}

func FuzzParseToolRules(f *testing.F) {
	f.Add("plan_trip=5/1m,find_rv_parks=20/30s")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		rules, err := ParseToolRules(s)
		if err != nil {
			return
		}
		for name, r := range rules {
			if name == "" || r.Limit < 1 || r.Window <= 0 {
				t.Fatalf("%q parsed to bad rule %q=%+v", s, name, r)
			}
		}
	})
}
