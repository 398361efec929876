package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

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
	var prev []byte
	if st, ok, err := s.sessions.Get(ctx, t.UserID); err == nil && ok {
		prev = st.Context
	}
	raw, note := nextSnapshot(prev, cur)
	if err := s.sessions.Put(ctx, session.State{UserID: t.UserID, Language: u.Settings.Language, Context: raw, LastActive: now}); err != nil {
		s.log.Warn("save session snapshot", "user_id", t.UserID, "error", err)
	}
	return note
}

// nextSnapshot returns the encoding of cur (version 1) to store after the
// stored snapshot prev, with prev's version when it is of the same
// conversation, raised and explained by note when the context changed.
// A turn that changed nothing is told by prev's bytes and decodes nothing.
func nextSnapshot(prev []byte, cur snapshot) (raw []byte, note string) {
	raw = encodeSnapshot(&cur)
	if cur.ConversationID != "" && (len(prev) == 0 || bytes.Equal(prev, raw)) {
		return raw, ""
	}
	var p snapshot
	if len(prev) > 0 {
		_ = json.Unmarshal(prev, &p)
	}
	if p.ConversationID != cur.ConversationID {
		return raw, ""
	}
	cur.Version = p.Version
	if note = describeChange(p, cur); note != "" {
		cur.Version++
	}
	if cur.Version != 1 {
		raw = encodeSnapshot(&cur)
	}
	return raw, note
}

// encodeSnapshot is what json.Marshal makes of cur (nil when it fails). The
// snapshots PAM writes (plain ASCII settings and ids, finite coordinates) are
// appended on the stack and copied once, so cur stays off the heap; anything
// else is left to encoding/json.
func encodeSnapshot(cur *snapshot) []byte {
	var buf [256]byte
	if b, ok := appendSnapshot(buf[:0], cur); ok {
		return append([]byte(nil), b...)
	}
	c := *cur // escapes to the encoder; cur need not
	raw, _ := json.Marshal(&c)
	return raw
}

func appendSnapshot(b []byte, cur *snapshot) ([]byte, bool) {
	ok := true
	str := func(key, s string) {
		b = append(b, key...)
		b = append(b, '"')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < ' ' || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				ok = false // escaped by encoding/json
				return
			}
		}
		b = append(b, s...)
		b = append(b, '"')
	}
	coord := func(key string, f *float64) {
		if f == nil {
			return
		}
		if math.IsNaN(*f) || math.IsInf(*f, 0) {
			ok = false
			return
		}
		b = appendJSONFloat(append(b, key...), *f)
	}
	str(`{"conversation_id":`, cur.ConversationID)
	b = strconv.AppendInt(append(b, `,"version":`...), int64(cur.Version), 10)
	str(`,"time_zone":`, cur.TimeZone)
	str(`,"units":`, cur.Units)
	str(`,"currency":`, cur.Currency)
	coord(`,"lat":`, cur.Lat)
	coord(`,"lng":`, cur.Lng)
	return append(b, '}'), ok
}

// appendJSONFloat appends finite f as encoding/json writes a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 is written e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// snapshotPrefix starts every snapshot PAM writes.
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
