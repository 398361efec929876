package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/session"
)

// turnAgent is what runs a turn (the agent, possibly instrumented).
type turnAgent interface {
	Run(ctx context.Context, in agent.Input, emit agent.Emitter) (*agent.Output, error)
}

// sessionAgent records each user's instance state — language, a brief
// context snapshot and last activity — in the instance store after every
// turn, so whichever instance answers next knows where the user left off.
type sessionAgent struct {
	next     turnAgent
	sessions session.Store
}

// snapshot is the brief context kept between turns.
type snapshot struct {
	ConversationID string   `json:"conversation_id,omitempty"`
	TimeZone       string   `json:"timezone,omitempty"`
	Lat            *float64 `json:"lat,omitempty"`
	Lng            *float64 `json:"lng,omitempty"`
	LocationSource string   `json:"location_source,omitempty"`
}

func (a sessionAgent) Run(ctx context.Context, in agent.Input, emit agent.Emitter) (*agent.Output, error) {
	out, err := a.next.Run(ctx, in, emit)
	if err == nil {
		snap := snapshot{ConversationID: in.ConversationID, TimeZone: in.Settings.TimeZone}
		if in.Location != nil {
			snap.Lat, snap.Lng, snap.LocationSource = &in.Location.Lat, &in.Location.Lng, in.Location.Source
		}
		raw, _ := json.Marshal(snap)
		now := in.Now
		if now.IsZero() {
			now = time.Now()
		}
		// Best effort: the instance store is a convenience, never a reason to fail a turn.
		_ = a.sessions.Put(context.WithoutCancel(ctx), session.State{UserID: in.UserID, Language: in.Settings.Language, Context: raw, LastActive: now})
	}
	return out, err
}

// sessionAgent wraps a with the instance store.
func (c *components) sessionAgent(a turnAgent) turnAgent {
	return sessionAgent{next: a, sessions: c.scale.sessions}
}
