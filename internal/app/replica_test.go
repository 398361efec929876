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
			if len(msgs) != tc.wantN {
				t.Fatalf("recent = %d messages, want %d", len(msgs), tc.wantN)
			}
		})
	}
}

// fakeConversations answers the history queries of the HTTP API with one
// conversation and message named after itself, or with err.
type fakeConversations struct {
	store.Store
	name string
	err  error
}

func (f fakeConversations) ListConversations(context.Context, string, store.Page) ([]store.Conversation, string, error) {
	return []store.Conversation{{ID: f.name}}, "", f.err
}

func (f fakeConversations) ConversationByID(context.Context, string, string) (*store.Conversation, error) {
	return &store.Conversation{ID: f.name}, f.err
}

func (f fakeConversations) ListMessages(context.Context, string, string, store.Page) ([]store.Message, string, error) {
	return []store.Message{{ID: f.name}}, "", f.err
}

func TestReplicaReadsServeHTTPHistoryAndFallBack(t *testing.T) {
	primary := fakeConversations{name: "primary"}
	tests := []struct {
		name    string
		replica fakeConversations
		want    string
	}{
		{"replica answers", fakeConversations{name: "replica"}, "replica"},
		{"replica down", fakeConversations{name: "replica", err: errors.New("dial tcp: connection refused")}, "primary"},
		{"replica lags behind", fakeConversations{name: "replica", err: store.ErrNotFound}, "primary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var st store.Store = &withHistoryReads{Store: primary, reads: &replicaReads{Store: primary, replica: tc.replica, log: slog.New(slog.DiscardHandler)}}
			h := st.(interface{ HistoryReads() store.Store }).HistoryReads()
			ctx := context.Background()
			convs, _, err := h.ListConversations(ctx, "u", store.Page{})
			if err != nil || convs[0].ID != tc.want {
				t.Errorf("ListConversations = %v %v, want %s", convs, err, tc.want)
			}
			c, err := h.ConversationByID(ctx, "u", "c")
			if err != nil || c.ID != tc.want {
				t.Errorf("ConversationByID = %v %v, want %s", c, err, tc.want)
			}
			msgs, _, err := h.ListMessages(ctx, "u", "c", store.Page{})
			if err != nil || msgs[0].ID != tc.want {
				t.Errorf("ListMessages = %v %v, want %s", msgs, err, tc.want)
			}
			if got, _, _ := st.ListConversations(ctx, "u", store.Page{}); got[0].ID != "primary" {
				t.Errorf("the store itself read %s, want the primary", got[0].ID)
			}
		})
	}
}
