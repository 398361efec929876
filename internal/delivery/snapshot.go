package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/session"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// Sessions is the instance store (memory, or Redis shared by instances).
type Sessions interface {
	Get(ctx context.Context, userID string) (session.State, bool, error)
	Put(ctx context.Context, st session.State) error
}

// SetSessions installs the instance store that keeps each user's context snapshot.
func (s *Service) SetSessions(ss Sessions) { s.sessions = ss }

// snapshot is the brief, versioned context a conversation runs under.
type snapshot struct {
	ConversationID string   `json:"conversation_id"`
	Version        int      `json:"version"`
	TimeZone       string   `json:"time_zone"`
	Units          string   `json:"units"`
	Currency       string   `json:"currency"`
	Lat            *float64 `json:"lat,omitempty"`
	Lng            *float64 `json:"lng,omitempty"`
}

// movedKm is how far the user must move for PAM to mention it.
const movedKm = 25

// contextChange records the turn's snapshot and returns a sentence for the
// reply when it changed during the conversation ("" otherwise).
func (s *Service) contextChange(ctx context.Context, t *store.Turn, u *store.User, loc *tools.Location, now time.Time) string {
	if s.sessions == nil {
		return ""
	}
	cur := snapshot{ConversationID: t.ConversationID, Version: 1, TimeZone: u.Settings.TimeZone, Units: u.Settings.Units, Currency: u.Settings.Currency}
	if loc != nil {
		cur.Lat, cur.Lng = &loc.Lat, &loc.Lng
	}
	st, ok, err := s.sessions.Get(ctx, t.UserID)
	var prev snapshot
	if err == nil && ok && len(st.Context) > 0 {
		_ = json.Unmarshal(st.Context, &prev)
	}
	note := ""
	if prev.ConversationID == t.ConversationID {
		cur.Version = prev.Version
		if n := describeChange(prev, cur); n != "" {
			cur.Version++
			note = n
		}
	}
	raw, _ := json.Marshal(cur)
	if err := s.sessions.Put(ctx, session.State{UserID: t.UserID, Language: u.Settings.Language, Context: raw, LastActive: now}); err != nil {
		s.log.Warn("save session snapshot", "user_id", t.UserID, "error", err)
	}
	return note
}

func describeChange(prev, cur snapshot) string {
	switch {
	case prev.TimeZone != cur.TimeZone:
		return fmt.Sprintf("Note: your time zone changed to %s since earlier in this conversation; times now use it.", cur.TimeZone)
	case prev.Units != cur.Units || prev.Currency != cur.Currency:
		return fmt.Sprintf("Note: your settings changed since earlier in this conversation (now %s, %s).", cur.Units, cur.Currency)
	case prev.Lat != nil && cur.Lat != nil && geo.DistanceKm(geo.Point{Lat: *prev.Lat, Lng: *prev.Lng}, geo.Point{Lat: *cur.Lat, Lng: *cur.Lng}) > movedKm:
		return "Note: your location changed since earlier in this conversation; I'm using where you are now."
	}
	return ""
}
