package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/config"
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

func (h replicaHistory) CountMessages(ctx context.Context, userID, conversationID string) (int, error) {
	n, err := h.replica.CountMessages(ctx, userID, conversationID)
	if err != nil {
		h.log.Warn("read replica failed; reading history from the primary", "error", err)
		return h.primary.CountMessages(ctx, userID, conversationID)
	}
	return n, nil
}

// history returns where the agent reads conversation history: the replica
// when PAM_REPLICA_URL is set (opened here), the primary otherwise.
func (c *components) history(ctx context.Context, cfg *config.Config) (agent.History, error) {
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
	return replicaHistory{replica: r, primary: c.store, log: c.log}, nil
}
