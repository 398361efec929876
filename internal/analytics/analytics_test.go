package analytics

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
)

func openStore(t *testing.T) (store.Store, *store.User) {
	t.Helper()
	st, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "pam.db"), storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u := &store.User{Email: "a@example.com", PasswordHash: "x", Settings: store.DefaultSettings()}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return st, u
}

func usd(s string) money.Money { return money.MustParse(s, "USD") }

func saving(userID, cat, base, opt string) *store.SavingsEvent {
	b, o := usd(base), usd(opt)
	return &store.SavingsEvent{UserID: userID, Category: cat, Baseline: b, Optimized: o, Saved: money.New(b.Amount.Sub(o.Amount), "USD"), Source: "test"}
}

type celebrations struct {
	mu  sync.Mutex
	got []Celebration
}

func (c *celebrations) Celebrate(_ context.Context, _ string, cel Celebration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, cel)
	return nil
}

func TestMonthlyAndAnalytics(t *testing.T) {
	ctx := context.Background()
	st, u := openStore(t)
	svc := New(st, Config{}, nil, nil)
	for _, e := range []*store.SavingsEvent{
		saving(u.ID, "fuel", "60.00", "52.50"), saving(u.ID, "fuel", "40.10", "38.00"), saving(u.ID, "camping", "45.00", "30.00"),
	} {
		if err := st.RecordSavings(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	m, err := svc.Monthly(ctx, u.ID, time.UTC, "")
	if err != nil {
		t.Fatal(err)
	}
	// 7.50 + 2.10 + 15.00, exactly.
	if m.Count != 3 || len(m.Saved) != 1 || m.Saved[0].String() != "24.60 USD" || len(m.Categories) != 2 ||
		m.Categories[0].Category != "camping" || m.Categories[1].Saved[0].String() != "9.60 USD" || m.Categories[1].Count != 2 {
		t.Fatalf("Monthly = %+v", m)
	}
	if _, err := svc.Monthly(ctx, u.ID, time.UTC, "July"); pamerr.CodeOf(err) != pamerr.InvalidInput {
		t.Fatalf("bad month: %v", err)
	}
	last, err := svc.Monthly(ctx, u.ID, time.UTC, time.Now().AddDate(0, -1, 0).Format("2006-01"))
	if err != nil || last.Count != 0 || len(last.Saved) != 0 {
		t.Fatalf("last month = %+v, %v", last, err)
	}
	b, err := svc.Analytics(ctx, u.ID, time.UTC, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Months) != 3 || b.Months[2].Count != 3 || b.Months[0].Count != 0 || b.Total[0].String() != "24.60 USD" || b.To != time.Now().UTC().Format("2006-01") {
		t.Fatalf("Analytics = %+v", b)
	}
	recent, err := svc.Recent(ctx, u.ID, 30, 2)
	if err != nil || len(recent) != 2 || recent[0].Category != "camping" {
		t.Fatalf("Recent = %+v, %v; want the newest two, newest first", recent, err)
	}
}

func TestGuaranteeAndCelebration(t *testing.T) {
	tests := []struct {
		name        string
		price       string
		celebrateAt string
		saves       [][2]string // baseline, optimized
		wantMet     bool
		wantPct     string
		wantCelebs  int
	}{
		{"nothing saved", "9.99", "", nil, false, "0.0", 0},
		{"below the price", "9.99", "", [][2]string{{"10.00", "5.00"}}, false, "50.1", 0},
		{"crossing once", "9.99", "", [][2]string{{"10.00", "5.00"}, {"10.00", "4.00"}, {"10.00", "1.00"}}, true, "200.2", 1},
		{"exactly the price", "10.00", "", [][2]string{{"20.00", "10.00"}}, true, "100.0", 1},
		{"lower threshold", "9.99", "2.00", [][2]string{{"3.00", "2.00"}, {"3.00", "1.00"}, {"30.00", "1.00"}}, true, "320.3", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, u := openStore(t)
			cel := &celebrations{}
			cfg := Config{SubscriptionPrice: usd(tc.price)}
			if tc.celebrateAt != "" {
				cfg.CelebrateAt = decimal.RequireFromString(tc.celebrateAt)
			}
			svc := New(st, cfg, cel, nil)
			watched := svc.Watch(st)
			for _, s := range tc.saves {
				if err := watched.RecordSavings(ctx, saving(u.ID, "fuel", s[0], s[1])); err != nil {
					t.Fatal(err)
				}
			}
			g, err := svc.Guarantee(ctx, u.ID, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if g.Met != tc.wantMet || g.ProgressPercent != tc.wantPct || len(cel.got) != tc.wantCelebs || g.Celebrated != (tc.wantCelebs > 0) {
				t.Fatalf("Guarantee = %+v, celebrations %+v", g, cel.got)
			}
			if tc.wantCelebs > 0 && (cel.got[0].Message == "" || cel.got[0].Month != g.Month) {
				t.Errorf("celebration = %+v", cel.got[0])
			}
			if g.Met && !g.Remaining.Amount.IsZero() {
				t.Errorf("remaining = %s after the guarantee was met", g.Remaining)
			}
		})
	}
}

func TestUsagePerDay(t *testing.T) {
	ctx := context.Background()
	st, u := openStore(t)
	c := &store.Conversation{UserID: u.ID}
	if err := st.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*store.Message{
		{ConversationID: c.ID, UserID: u.ID, Role: store.MessageAssistant, Content: "a", Source: "anthropic:claude-sonnet-4-5", Meta: []byte(`{"usage":{"input_tokens":1000000,"output_tokens":0}}`)},
		{ConversationID: c.ID, UserID: u.ID, Role: store.MessageAssistant, Content: "b", Source: "rules", Degraded: true},
	} {
		if err := st.AppendMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordClientEvents(ctx, []store.ClientEvent{{UserID: u.ID, Name: "speak"}}); err != nil {
		t.Fatal(err)
	}
	days, err := New(st, Config{}, nil, nil).Usage(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	today := days[len(days)-1]
	if len(days) != 7 || today.Replies != 2 || today.Degraded != 1 || today.Models["rules"] != 1 || today.CostUSD != "3.000000" ||
		today.Tokens.InputTokens != 1000000 || today.ClientEvents["speak"] != 1 || days[0].Replies != 0 {
		t.Fatalf("usage = %+v", days)
	}
}

func BenchmarkGuarantee(b *testing.B) {
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(b.TempDir(), "pam.db"), storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	u := &store.User{Email: "b@example.com", PasswordHash: "x", Settings: store.DefaultSettings()}
	if err := st.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	for range 100 { // a busy month: a hundred savings events
		if err := st.RecordSavings(ctx, saving(u.ID, "fuel", "10.00", "9.25")); err != nil {
			b.Fatal(err)
		}
	}
	svc := New(st, Config{}, nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Guarantee(ctx, u.ID, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}
