package session

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pamtravel/pam/internal/testenv"
)

// stores returns each implementation under test, sharing nothing.
func stores(t *testing.T) map[string]Store {
	rs := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return map[string]Store{"memory": NewMemory(time.Hour), "redis": NewRedis(rdb, "pam:", time.Hour)}
}

func TestStoreContract(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if _, ok, err := s.Get(ctx, "u1"); ok || err != nil {
				t.Fatalf("empty get = %v %v", ok, err)
			}
			at := time.UnixMilli(time.Now().UnixMilli())
			snap := json.RawMessage(`{"timezone":"America/Denver"}`)
			if err := s.Put(ctx, State{UserID: "u1", Language: "es", Context: snap, LastActive: at}); err != nil {
				t.Fatal(err)
			}
			st, ok, err := s.Get(ctx, "u1")
			if err != nil || !ok || st.Language != "es" || string(st.Context) != string(snap) || !st.LastActive.Equal(at) {
				t.Fatalf("get = %+v %v %v", st, ok, err)
			}
			if err := s.Touch(ctx, "u1", at.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if st, _, _ := s.Get(ctx, "u1"); !st.LastActive.Equal(at) {
				t.Fatalf("an older touch moved last activity back to %v", st.LastActive)
			}
			later := at.Add(time.Minute)
			_ = s.Touch(ctx, "u1", later)
			if st, _, _ := s.Get(ctx, "u1"); !st.LastActive.Equal(later) || st.Language != "es" {
				t.Fatalf("after touch = %+v", st)
			}
			if err := s.Put(ctx, State{UserID: "u1", Context: json.RawMessage(strings.Repeat("x", MaxContextBytes+1))}); err == nil {
				t.Fatal("oversized snapshot accepted")
			}
			if err := s.Put(ctx, State{Language: "en"}); err == nil {
				t.Fatal("state without user accepted")
			}
			_ = s.Delete(ctx, "u1")
			if _, ok, _ := s.Get(ctx, "u1"); ok {
				t.Fatal("deleted state still there")
			}
		})
	}
}

func TestMemoryForgetsIdleState(t *testing.T) {
	m := NewMemory(time.Hour)
	now := time.Now()
	m.now = func() time.Time { return now }
	_ = m.Put(context.Background(), State{UserID: "u1", Language: "fr"})
	now = now.Add(2 * time.Hour)
	if _, ok, _ := m.Get(context.Background(), "u1"); ok {
		t.Fatal("state idle past the TTL was returned")
	}
}

func TestRedisSharedBetweenInstances(t *testing.T) {
	rs := testenv.StartRedis(t)
	a := NewRedis(redis.NewClient(&redis.Options{Addr: rs.Addr()}), "pam:", time.Hour)
	b := NewRedis(redis.NewClient(&redis.Options{Addr: rs.Addr()}), "pam:", time.Hour)
	ctx := context.Background()
	if err := a.Put(ctx, State{UserID: "u9", Language: "de"}); err != nil {
		t.Fatal(err)
	}
	if st, ok, err := b.Get(ctx, "u9"); err != nil || !ok || st.Language != "de" {
		t.Fatalf("other instance sees %+v %v %v", st, ok, err)
	}
}

func TestFallbackServesLocalWhileRedisIsDown(t *testing.T) {
	rs := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	healthy := true
	f := &Fallback{Primary: NewRedis(rdb, "pam:", time.Hour), Secondary: NewMemory(time.Hour), Healthy: func() bool { return healthy }}
	ctx := context.Background()
	if err := f.Put(ctx, State{UserID: "u1", Language: "it"}); err != nil {
		t.Fatal(err)
	}
	_ = rs.Stop()
	healthy = false
	if st, ok, err := f.Get(ctx, "u1"); err != nil || !ok || st.Language != "it" {
		t.Fatalf("while down = %+v %v %v, want the local copy", st, ok, err)
	}
	if err := f.Put(ctx, State{UserID: "u1", Language: "pt"}); err != nil {
		t.Fatalf("put while down: %v", err)
	}
	healthy = true // reported healthy but the read fails: still answered locally
	if st, ok, err := f.Get(ctx, "u1"); err != nil || !ok || st.Language != "pt" {
		t.Fatalf("failed shared read = %+v %v %v, want the local copy", st, ok, err)
	}
}
