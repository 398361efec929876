package app

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/ratelimit"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/postgres"
)

// replicaHistory reads conversation history (for context and summaries)
// from the read replica, and from the primary when the replica fails.
// Replication lag can hide the newest messages for a moment, which the plan
// accepts for history and summaries; everything that must read its own
// writes (idempotency, turns, events) stays on the primary.
type replicaHistory struct {
	replica, primary agent.History
	log              *slog.Logger
}

func (h replicaHistory) RecentMessages(ctx context.Context, userID, conversationID string, limit int) ([]store.Message, error) {
	m, err := h.replica.RecentMessages(ctx, userID, conversationID, limit)
	if err != nil {
		h.log.Warn("read replica failed; reading history from the primary", "error", err)
		return h.primary.RecentMessages(ctx, userID, conversationID, limit)
	}
	return m, nil
}

// history returns where the agent reads conversation history: the replica
// when PAM_REPLICA_URL is set (opened here), the primary otherwise. Model
// summaries of that history run on the low-priority work queue, so they
// are shed (the extractive summary used instead) under load.
func (c *components) history(ctx context.Context, cfg *config.Config) (agent.History, error) {
	h, err := c.historySource(ctx, cfg)
	if err != nil || c.scale == nil || c.scale.work == nil {
		return h, err
	}
	return queuedSummaries{History: h, work: c.scale.work}, nil
}

// queuedSummaries is an agent.History whose model summaries go through the
// work queue at Summary priority (agent.SummaryRunner).
type queuedSummaries struct {
	agent.History
	work *ratelimit.WorkQueue
}

var _ agent.SummaryRunner = queuedSummaries{}

// RunSummary implements agent.SummaryRunner.
func (q queuedSummaries) RunSummary(ctx context.Context, fn func(ctx context.Context)) error {
	return q.work.Do(ctx, ratelimit.Summary, fn)
}

func (c *components) historySource(ctx context.Context, cfg *config.Config) (agent.History, error) {
	if cfg.ReplicaURL == "" {
		return c.store, nil
	}
	if !cfg.IsPostgres() {
		return nil, fmt.Errorf("config: PAM_REPLICA_URL: a read replica needs PAM_DATABASE_URL to be postgres://")
	}
	r, err := postgres.OpenReplica(ctx, cfg.ReplicaURL, poolOptions(cfg, c.log))
	if err != nil {
		return nil, fmt.Errorf("config: PAM_REPLICA_URL: %w", err)
	}
	c.closers = append(c.closers, r.Close)
	c.store = &withHistoryReads{Store: c.store, reads: &replicaReads{Store: c.store, replica: r, log: c.log}}
	return replicaHistory{replica: r, primary: c.store, log: c.log}, nil
}

// replicaReads is the primary with the read-only history queries of the
// HTTP API (conversation and message lists) answered by the replica, and by
// the primary when the replica fails. What the replica does not show yet
// (replication lag: an unknown conversation, an empty first page) is looked
// up on the primary too.
type replicaReads struct {
	store.Store // the primary
	replica     store.Store
	log         *slog.Logger
}

func (r *replicaReads) fallback(err error) {
	r.log.Warn("read replica failed; reading history from the primary", "error", err)
}

func (r *replicaReads) ListConversations(ctx context.Context, userID string, p store.Page) ([]store.Conversation, string, error) {
	items, next, err := r.replica.ListConversations(ctx, userID, p)
	if err != nil {
		r.fallback(err)
		return r.Store.ListConversations(ctx, userID, p)
	}
	if len(items) == 0 && p.Cursor == "" {
		return r.Store.ListConversations(ctx, userID, p)
	}
	return items, next, nil
}

func (r *replicaReads) ConversationByID(ctx context.Context, userID, id string) (*store.Conversation, error) {
	c, err := r.replica.ConversationByID(ctx, userID, id)
	if err != nil {
		if !store.IsNotFound(err) {
			r.fallback(err)
		}
		return r.Store.ConversationByID(ctx, userID, id)
	}
	return c, nil
}

func (r *replicaReads) ListMessages(ctx context.Context, userID, conversationID string, p store.Page) ([]store.Message, string, error) {
	items, next, err := r.replica.ListMessages(ctx, userID, conversationID, p)
	if err != nil {
		r.fallback(err)
		return r.Store.ListMessages(ctx, userID, conversationID, p)
	}
	if len(items) == 0 && p.Cursor == "" {
		return r.Store.ListMessages(ctx, userID, conversationID, p)
	}
	return items, next, nil
}

// withHistoryReads is a store whose HTTP history queries go to reads
// (httpapi looks for HistoryReads); everything else is the store itself.
type withHistoryReads struct {
	store.Store
	reads store.Store
}

// HistoryReads returns where the HTTP API reads conversation history.
func (s *withHistoryReads) HistoryReads() store.Store { return s.reads }

// Stats passes the pool statistics of the wrapped store through (for metrics).
func (s *withHistoryReads) Stats() sql.DBStats {
	if st, ok := s.Store.(interface{ Stats() sql.DBStats }); ok {
		return st.Stats()
	}
	return sql.DBStats{}
}
