package safety

import (
	"testing"
	"time"
)

func TestAbuse(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	a := NewAbuse(AbuseConfig{Now: func() time.Time { return now }})
	flag := Verdict{Decision: Flag}
	for i := 0; i < 9; i++ {
		if blocked, _ := a.Record("u1", flag); blocked {
			t.Fatalf("blocked after %d attempts", i+1)
		}
		now = now.Add(5 * time.Second)
	}
	if blocked, _ := a.Record("u2", Verdict{Decision: Block}); blocked {
		t.Fatal("another user's attempts counted")
	}
	if blocked, _ := a.Record("u1", Verdict{Decision: Allow}); blocked {
		t.Fatal("an allowed message counted")
	}
	blocked, retry := a.Record("u1", flag)
	if !blocked || retry != 15*time.Minute {
		t.Fatalf("tenth attempt: blocked=%v retry=%v", blocked, retry)
	}
	if b, _ := a.Record("u1", Verdict{Decision: Allow}); !b {
		t.Fatal("blocked user let through")
	}
	st := a.Status()
	if len(st) != 2 || st[0].UserID != "u1" || !st[0].Blocked || st[0].Attempts != 10 {
		t.Fatalf("status = %+v", st)
	}
	a.Reset("u1")
	if b, _ := a.Blocked("u1"); b {
		t.Fatal("reset did not lift the block")
	}

	// Attempts spread beyond the window never add up.
	for i := 0; i < 20; i++ {
		now = now.Add(7 * time.Second)
		if b, _ := a.Record("u3", flag); b {
			t.Fatalf("spread attempts blocked at %d", i)
		}
	}
	now = now.Add(16 * time.Minute)
	if b, _ := a.Blocked("u1"); b {
		t.Fatal("block did not expire")
	}
}
