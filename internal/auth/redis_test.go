package auth

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/testenv"
)

// Two instances sharing a store and Redis behave as one: a logout on one is
// honoured by the other, and so is a session's activity.
func TestRedisSharedAcrossInstances(t *testing.T) {
	srv := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, DialTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()

	users := newMemUsers()
	clk := &clock{t: time.Now().UTC()}
	cfg := Config{Secret: testSecret(t), Argon2: fastArgon, AccessTTL: time.Hour}
	newInstance := func() *Service {
		s, err := NewService(cfg, users, NewRedisRevocations(rdb, "t:"), clk.now)
		if err != nil {
			t.Fatal(err)
		}
		return s.WithActivity(NewRedisActivity(rdb, "t:", 30*time.Minute))
	}
	a, b := newInstance(), newInstance()

	s, err := a.Register(ctx, "ann@example.com", "longenough", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Verify(ctx, s.AccessToken)
	if err != nil {
		t.Fatalf("instance b rejects a's token: %v", err)
	}
	// Activity recorded on b keeps the session alive on a.
	clk.add(20 * time.Minute)
	b.Touch(ctx, c)
	clk.add(20 * time.Minute)
	if _, err := a.Verify(ctx, s.AccessToken); err != nil {
		t.Fatalf("activity on b not seen by a: %v", err)
	}
	// Logout on a is honoured by b.
	if err := a.Logout(ctx, c, s.RefreshToken); err != nil {
		t.Fatal(err)
	}
	_, err = b.Verify(ctx, s.AccessToken)
	wantCode(t, err, pamerr.Unauthenticated)

	// RevokeUser on b is honoured by a, and keeps the latest cut-off.
	s2, _ := a.Login(ctx, "ann@example.com", "longenough", "")
	clk.add(time.Second)
	if err := b.RevokeUser(ctx, s2.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = a.Verify(ctx, s2.AccessToken)
	wantCode(t, err, pamerr.Unauthenticated)

	// Redis down: revocations made here still hold (from the mirror).
	clk.add(time.Millisecond)
	s3, _ := a.Login(ctx, "ann@example.com", "longenough", "")
	c3, err := a.Verify(ctx, s3.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx, c3, ""); err == nil {
		t.Log("logout with Redis down reported no error")
	}
	_, err = a.Verify(ctx, s3.AccessToken)
	wantCode(t, err, pamerr.Unauthenticated)
}

func TestRedisLoginLimiterShared(t *testing.T) {
	srv := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, DialTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	users := newMemUsers()
	clk := &clock{t: time.Now().UTC()}
	cfg := Config{Secret: testSecret(t), Argon2: fastArgon}
	newInstance := func() *Service {
		s, err := NewService(cfg, users, NewMemoryRevocations(), clk.now)
		if err != nil {
			t.Fatal(err)
		}
		return s.WithLoginLimiter(NewRedisLoginLimiter(rdb, "t:", 5, 5*time.Minute))
	}
	a, b := newInstance(), newInstance()
	if _, err := a.Register(ctx, "ann@example.com", "longenough", ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ { // failures spread over both instances
		inst := a
		if i%2 == 1 {
			inst = b
		}
		_, err := inst.Login(ctx, "ann@example.com", "wrong-password", "")
		wantCode(t, err, pamerr.Unauthenticated)
		clk.add(time.Second)
	}
	_, err := a.Login(ctx, "ann@example.com", "longenough", "")
	wantCode(t, err, pamerr.RateLimited)
	_, err = b.Login(ctx, "ann@example.com", "longenough", "")
	wantCode(t, err, pamerr.RateLimited)
	if ra := pamerr.RetryAfterOf(err); ra < 4*time.Minute || ra > 5*time.Minute {
		t.Fatalf("RetryAfter = %v", ra)
	}
	clk.add(5 * time.Minute)
	if _, err := b.Login(ctx, "ann@example.com", "longenough", ""); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
