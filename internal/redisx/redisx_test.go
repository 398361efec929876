package redisx

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/testenv"
)

func open(t *testing.T, url, prefix string) *Client {
	t.Helper()
	c, err := Open(context.Background(), url, Options{Prefix: prefix, HealthEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCacheFreshStaleAndPrefix(t *testing.T) {
	srv := testenv.StartRedis(t)
	c := open(t, srv.URL(), "t1:")
	rc := NewCache(c, time.Hour)
	ctx := context.Background()
	now := time.Now()
	rc.now = func() time.Time { return now }
	if err := rc.Set(ctx, "ctx:u1:profile", []byte("p"), time.Minute); err != nil {
		t.Fatal(err)
	}
	_ = rc.Set(ctx, "ctx:u1:budget", []byte("b"), time.Minute)
	_ = rc.Set(ctx, "ctx:u2:profile", []byte("q"), time.Minute)
	if v, ok, _ := rc.Get(ctx, "ctx:u1:profile"); !ok || string(v) != "p" {
		t.Fatalf("fresh get = %q %v", v, ok)
	}
	now = now.Add(2 * time.Minute)
	if _, ok, _ := rc.Get(ctx, "ctx:u1:profile"); ok {
		t.Fatal("expired value still fresh")
	}
	if e, ok, _ := rc.GetStale(ctx, "ctx:u1:profile"); !ok || e.Fresh || string(e.Value) != "p" {
		t.Fatalf("stale = %+v %v", e, ok)
	}
	if err := rc.DeletePrefix(ctx, "ctx:u1:"); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"ctx:u1:profile": false, "ctx:u1:budget": false, "ctx:u2:profile": true} {
		if _, ok, _ := rc.GetStale(ctx, key); ok != want {
			t.Errorf("%s present = %v, want %v", key, ok, want)
		}
	}
}

func TestCacheFallsThroughWhileDownAndReplaysInvalidation(t *testing.T) {
	srv := testenv.StartRedis(t)
	c := open(t, srv.URL(), "t2:")
	rc := NewCache(c, 0)
	ctx := context.Background()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	_ = c.Check(ctx)
	if c.Healthy() {
		t.Fatal("healthy with Redis stopped")
	}
	if _, ok, err := rc.Get(ctx, "k"); ok || err != nil {
		t.Fatalf("get while down = %v %v, want a plain miss", ok, err)
	}
	if err := rc.DeletePrefix(ctx, "ctx:u1:"); err == nil {
		t.Fatal("delete prefix while down succeeded")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// Written by another instance while this one could not invalidate.
	if err := c.RDB.Set(ctx, rc.key("ctx:u1:x"), encodeEntry(time.Now(), time.Hour, []byte("old")), time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := rc.Get(ctx, "ctx:u1:x"); ok {
		t.Fatal("invalidation that failed during the outage was not replayed")
	}
}

func TestLimiterIsGlobalAcrossClients(t *testing.T) {
	srv := testenv.StartRedis(t)
	a := NewLimiter(open(t, srv.URL(), "t3:"), nil)
	b := NewLimiter(open(t, srv.URL(), "t3:"), nil)
	ctx := context.Background()
	allowed := 0
	var retry time.Duration
	for i := range 10 {
		l := a
		if i%2 == 1 {
			l = b
		}
		ok, r, err := l.Allow(ctx, "user:u1", 6, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			allowed++
		} else {
			retry = r
		}
	}
	if allowed != 6 {
		t.Fatalf("allowed %d over two clients, want 6 (limit counted once)", allowed)
	}
	if retry < time.Second {
		t.Fatalf("retry after %v, want ≥ 1 s", retry)
	}
}

func TestLimiterFallsBackPerInstance(t *testing.T) {
	srv := testenv.StartRedis(t)
	c := open(t, srv.URL(), "t4:")
	l := NewLimiter(c, nil)
	_ = srv.Stop()
	_ = c.Check(context.Background())
	allowed := 0
	for range 5 {
		ok, _, err := l.Allow(context.Background(), "user:u1", 3, time.Minute)
		if err != nil {
			t.Fatalf("limiter error while Redis is down: %v", err)
		}
		if ok {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("fallback allowed %d, want 3", allowed)
	}
}

func TestConcurrencyCapShared(t *testing.T) {
	srv := testenv.StartRedis(t)
	a := NewConcurrency(open(t, srv.URL(), "t5:"), time.Minute, nil)
	b := NewConcurrency(open(t, srv.URL(), "t5:"), time.Minute, nil)
	ctx := context.Background()
	r1, ok1, _ := a.Acquire(ctx, "turns:u1", 2)
	_, ok2, _ := b.Acquire(ctx, "turns:u1", 2)
	_, ok3, _ := a.Acquire(ctx, "turns:u1", 2)
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("acquire = %v %v %v, want true true false", ok1, ok2, ok3)
	}
	r1()
	if _, ok, _ := b.Acquire(ctx, "turns:u1", 2); !ok {
		t.Fatal("released slot not reusable")
	}
}

func TestBrokerCarriesFramesBetweenInstances(t *testing.T) {
	srv := testenv.StartRedis(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hubs := make([]*delivery.Hub, 2)
	var wg sync.WaitGroup
	for i := range hubs {
		c := open(t, srv.URL(), "t6:")
		br := NewBroker(c)
		hubs[i] = delivery.NewHub(16)
		hubs[i].SetBroker(br, nil)
		ready := make(chan struct{})
		wg.Add(1)
		go func() { defer wg.Done(); _ = br.Run(ctx, hubs[i], ready) }()
		<-ready
	}
	defer wg.Wait()
	defer cancel()
	local := hubs[0].Subscribe("u1")
	remote := hubs[1].Subscribe("u1")
	other := hubs[1].Subscribe("u2")
	hubs[0].Publish("u1", delivery.Frame{Seq: 7, Type: "message", JSON: []byte(`{"seq":7}`)})
	for name, sub := range map[string]*delivery.Subscription{"local": local, "remote": remote} {
		select {
		case f := <-sub.C:
			if f.Seq != 7 || string(f.JSON) != `{"seq":7}` {
				t.Errorf("%s got %+v", name, f)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s subscription got nothing", name)
		}
	}
	select {
	case f := <-local.C:
		t.Fatalf("frame echoed back to its own instance: %+v", f)
	case f := <-other.C:
		t.Fatalf("another user got %+v", f)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestMonitorReconnects(t *testing.T) {
	srv := testenv.StartRedis(t)
	c := open(t, srv.URL(), "t7:")
	var ups atomic.Int32
	c.OnReconnect(func() { ups.Add(1) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Monitor(ctx)
	_ = srv.Stop()
	waitFor(t, func() bool { return !c.Healthy() })
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return c.Healthy() && ups.Load() == 1 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSpoolOrderRemoveAndLock(t *testing.T) {
	srv := testenv.StartRedis(t)
	a := NewSpool(open(t, srv.URL(), "t8:"))
	b := NewSpool(open(t, srv.URL(), "t8:"))
	ctx := context.Background()
	for i, id := range []string{"m1", "m2"} {
		sp := a
		if i == 1 {
			sp = b
		}
		if err := sp.Push(ctx, delivery.Inbound{UserID: "u", ClientMessageID: id, Text: "hi", Authorize: func(context.Context) error { return nil }}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := b.Len(ctx); n != 2 {
		t.Fatalf("len %d", n)
	}
	r, ok, err := b.Peek(ctx)
	if err != nil || !ok || r.In.ClientMessageID != "m1" {
		t.Fatalf("peek = %+v %v %v", r, ok, err)
	}
	_ = a.Remove(ctx, r.Seq+1) // not the head: no effect
	if r2, _, _ := a.Peek(ctx); r2.In.ClientMessageID != "m1" {
		t.Fatal("a remove of another seq dropped the head")
	}
	if err := a.Remove(ctx, r.Seq); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := a.Peek(ctx); r.In.ClientMessageID != "m2" {
		t.Fatalf("after remove head = %+v", r)
	}
	unlock, ok := a.TryLock(ctx)
	if !ok {
		t.Fatal("first lock refused")
	}
	if _, ok := b.TryLock(ctx); ok {
		t.Fatal("second instance locked a held spool")
	}
	unlock()
	if u, ok := b.TryLock(ctx); !ok {
		t.Fatal("lock not released")
	} else {
		u()
	}
}
