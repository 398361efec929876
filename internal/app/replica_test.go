package app

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/pamtravel/pam/internal/store"
)

type fakeHistory struct {
	msgs []store.Message
	err  error
}

func (f fakeHistory) RecentMessages(context.Context, string, string, int) ([]store.Message, error) {
	return f.msgs, f.err
}

func (f fakeHistory) CountMessages(context.Context, string, string) (int, error) {
	return len(f.msgs), f.err
}

func TestReplicaHistoryPrefersReplicaAndFallsBack(t *testing.T) {
	primary := fakeHistory{msgs: []store.Message{{ID: "p1"}, {ID: "p2"}}}
	tests := []struct {
		name    string
		replica fakeHistory
		wantID  string
		wantN   int
	}{
		{"replica answers", fakeHistory{msgs: []store.Message{{ID: "r1"}}}, "r1", 1},
		{"replica down", fakeHistory{err: errors.New("dial tcp: connection refused")}, "p1", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := replicaHistory{replica: tc.replica, primary: primary, log: slog.New(slog.DiscardHandler)}
			msgs, err := h.RecentMessages(context.Background(), "u", "c", 10)
			if err != nil || msgs[0].ID != tc.wantID {
				t.Fatalf("recent = %v %v, want first %s", msgs, err, tc.wantID)
			}
			if n, err := h.CountMessages(context.Background(), "u", "c"); err != nil || n != tc.wantN {
				t.Fatalf("count = %d %v, want %d", n, err, tc.wantN)
			}
		})
	}
}
