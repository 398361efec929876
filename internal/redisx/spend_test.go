package redisx

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/testenv"
)

// Two instances count model spending together, exactly, per UTC day; while
// Redis is down each counts on its own rather than stopping the model.
func TestSpendSharedBetweenInstances(t *testing.T) {
	srv := testenv.StartRedis(t)
	a, b := NewSpend(open(t, srv.URL(), "sp:"), nil), NewSpend(open(t, srv.URL(), "sp:"), nil)
	ctx := context.Background()
	day := time.Date(2026, 11, 24, 23, 59, 0, 0, time.UTC)
	d := decimal.RequireFromString
	if _, _, err := a.Add(ctx, "u1", d("0.000123"), day); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Add(ctx, "u2", d("1.5"), day); err != nil {
		t.Fatal(err)
	}
	user, global, err := b.Add(ctx, "u1", d("0.1"), day)
	if err != nil || !user.Equal(d("0.100123")) || !global.Equal(d("1.600123")) {
		t.Fatalf("after three calls on two instances: user %s global %s (%v)", user, global, err)
	}
	if u, g, _ := a.Totals(ctx, "u2", day); !u.Equal(d("1.5")) || !g.Equal(d("1.600123")) {
		t.Fatalf("totals seen by the other instance: %s %s", u, g)
	}
	if u, g, _ := a.Totals(ctx, "u1", day.Add(2*time.Minute)); !u.IsZero() || !g.IsZero() {
		t.Fatalf("the next UTC day starts at zero: %s %s", u, g)
	}
	if u, _, _ := a.Add(ctx, "u3", d("0.0000000001"), day); !u.Equal(d("0.000000001")) {
		t.Fatalf("a sub-nano cost counts as one nano-dollar, got %s", u)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	_ = a.c.Check(ctx)
	if u, _, err := a.Add(ctx, "u1", d("2"), day); err != nil || !u.Equal(d("2")) {
		t.Fatalf("while Redis is down the instance counts alone: %s %v", u, err)
	}
}
