package redisx

import (
	"context"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/safety"
	"github.com/pamtravel/pam/internal/testenv"
)

// Attempts made through two instances add up to one block that both honour;
// an admin's reset on one lifts it everywhere; while Redis is down each
// instance tracks on its own.
func TestAbuseSharedBetweenInstances(t *testing.T) {
	srv := testenv.StartRedis(t)
	cfg := safety.AbuseConfig{Threshold: 3, Window: time.Minute, BlockFor: time.Minute}
	a := NewAbuse(open(t, srv.URL(), "ab:"), safety.NewAbuse(cfg))
	b := NewAbuse(open(t, srv.URL(), "ab:"), safety.NewAbuse(cfg))
	flag := safety.Verdict{Decision: safety.Flag}
	if blocked, _ := a.Record("u1", flag); blocked {
		t.Fatal("blocked after one attempt")
	}
	if blocked, _ := b.Record("u1", flag); blocked {
		t.Fatal("blocked after two attempts")
	}
	if blocked, wait := a.Record("u1", safety.Verdict{Decision: safety.Block}); !blocked || wait <= 0 || wait > time.Minute {
		t.Fatalf("third attempt (across instances): blocked %v for %v", blocked, wait)
	}
	if blocked, _ := b.Blocked("u1"); !blocked {
		t.Fatal("the other instance does not honour the block")
	}
	// The users seen are not kept forever.
	if ttl, err := a.c.RDB.PTTL(context.Background(), a.usersKey()).Result(); err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("the users set expires in %v (%v), want within the block", ttl, err)
	}
	if blocked, _ := b.Record("u2", safety.Verdict{Decision: safety.Allow}); blocked {
		t.Fatal("another user is blocked")
	}
	st := b.Status()
	if len(st) != 1 || st[0].UserID != "u1" || st[0].Attempts != 3 || !st[0].Blocked || st[0].LastAttempt.IsZero() {
		t.Fatalf("status = %+v", st)
	}
	b.Reset("u1")
	if blocked, _ := a.Blocked("u1"); blocked {
		t.Fatal("a reset on one instance did not lift the block on the other")
	}
	if st := a.Status(); len(st) != 0 {
		t.Fatalf("status after reset = %+v", st)
	}

	// Attempts made while Redis answered are still counted here after it fails.
	a.Record("u4", flag)
	a.Record("u4", flag)

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	_ = a.c.Check(context.Background())
	for range 3 {
		a.Record("u3", flag)
	}
	if blocked, _ := a.Blocked("u3"); !blocked {
		t.Fatal("while Redis is down the instance stopped tracking")
	}
	if blocked, _ := a.Record("u4", flag); !blocked {
		t.Fatal("the attempts made through Redis were forgotten in its outage")
	}
}
