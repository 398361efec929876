package httpapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// userLocation is the caller's time zone, for month boundaries.
func (s *server) userLocation(r *http.Request) (*time.Location, error) {
	u, err := s.store.UserByID(r.Context(), userID(r))
	if err != nil {
		return nil, err
	}
	return u.Settings.Location(), nil
}

// handleSavingsMonthly: GET /api/v1/savings/monthly?month=2026-07 (default this month).
func (s *server) handleSavingsMonthly(w http.ResponseWriter, r *http.Request) error {
	if s.ops.Analytics == nil {
		return unavailable("savings analytics")
	}
	loc, err := s.userLocation(r)
	if err != nil {
		return err
	}
	m, err := s.ops.Analytics.Monthly(r.Context(), userID(r), loc, r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, m)
	return nil
}

// handleSavingsRecent: GET /api/v1/savings/recent?days=30&limit=20.
func (s *server) handleSavingsRecent(w http.ResponseWriter, r *http.Request) error {
	if s.ops.Analytics == nil {
		return unavailable("savings analytics")
	}
	days, err := intQuery(r, "days", 30, 1, 366)
	if err != nil {
		return err
	}
	limit, err := intQuery(r, "limit", 20, 1, 100)
	if err != nil {
		return err
	}
	evs, err := s.ops.Analytics.Recent(r.Context(), userID(r), days, limit)
	if err != nil {
		return err
	}
	writeList(w, evs, "")
	return nil
}

// handleSavingsAnalytics: GET /api/v1/savings/analytics?months=6 — by category and month.
func (s *server) handleSavingsAnalytics(w http.ResponseWriter, r *http.Request) error {
	if s.ops.Analytics == nil {
		return unavailable("savings analytics")
	}
	months, err := intQuery(r, "months", 6, 1, 24)
	if err != nil {
		return err
	}
	loc, err := s.userLocation(r)
	if err != nil {
		return err
	}
	b, err := s.ops.Analytics.Analytics(r.Context(), userID(r), loc, months)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, b)
	return nil
}

// handleSavingsGuarantee: GET /api/v1/savings/guarantee — this month against the subscription price.
func (s *server) handleSavingsGuarantee(w http.ResponseWriter, r *http.Request) error {
	if s.ops.Analytics == nil {
		return unavailable("savings analytics")
	}
	loc, err := s.userLocation(r)
	if err != nil {
		return err
	}
	g, err := s.ops.Analytics.Guarantee(r.Context(), userID(r), loc)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, g)
	return nil
}

// Client analytics bounds.
const (
	maxClientEvents    = 50
	maxClientEventBody = 64 << 10
	maxClientProps     = 2 << 10
)

var clientEventName = regexp.MustCompile(`^[a-z][a-z0-9_.:-]{0,63}$`)

type clientEventIn struct {
	Name  string          `json:"name"`
	Props json.RawMessage `json:"props,omitempty"`
}

type clientEventsIn struct {
	Events []clientEventIn `json:"events"`
}

// handleClientEvents: POST /api/v1/analytics/events {events:[{name, props?}]}
// — bounded in count, size and rate.
func (s *server) handleClientEvents(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > maxClientEventBody {
		return pamerr.New(pamerr.MessageTooLarge, "analytics batch is larger than %d bytes", maxClientEventBody)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxClientEventBody)
	in, err := decode[clientEventsIn](r)
	if err != nil {
		return err
	}
	uid := userID(r)
	evs, err := clientEvents(uid, in)
	if err != nil {
		return err
	}
	if err := s.limitKey(r.Context(), "analytics", uid, s.ops.EventsPerMinute); err != nil {
		return err
	}
	if err := s.store.RecordClientEvents(r.Context(), evs); err != nil {
		return err
	}
	encode(w, http.StatusAccepted, map[string]int{"accepted": len(evs)})
	return nil
}

// handleAdminUsage: GET /api/v1/admin/usage?days=14 — turns, tools, models and costs per day.
func (s *server) handleAdminUsage(w http.ResponseWriter, r *http.Request) error {
	if s.ops.Analytics == nil {
		return unavailable("usage analytics")
	}
	days, err := intQuery(r, "days", 14, 1, 90)
	if err != nil {
		return err
	}
	u, err := s.ops.Analytics.Usage(r.Context(), days)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"days": u})
	return nil
}

// clientEvents validates a batch: 1 to maxClientEvents events, plain names,
// props a JSON object of at most maxClientProps bytes.
func clientEvents(uid string, in clientEventsIn) ([]store.ClientEvent, error) {
	if len(in.Events) == 0 || len(in.Events) > maxClientEvents {
		return nil, pamerr.Invalid("events", "send 1 to %d events", maxClientEvents)
	}
	evs := make([]store.ClientEvent, 0, len(in.Events))
	for i, e := range in.Events {
		if !clientEventName.MatchString(e.Name) {
			return nil, pamerr.Invalid("events", "event %d: name must be lower-case letters, digits and _.:- (at most 64)", i)
		}
		if string(e.Props) == "null" {
			e.Props = nil
		}
		if len(e.Props) > 0 {
			if len(e.Props) > maxClientProps {
				return nil, pamerr.Invalid("events", "event %d: props are larger than %d bytes", i, maxClientProps)
			}
			var obj map[string]any
			if json.Unmarshal(e.Props, &obj) != nil || obj == nil {
				return nil, pamerr.Invalid("events", "event %d: props must be a JSON object", i)
			}
		}
		evs = append(evs, store.ClientEvent{UserID: uid, Name: e.Name, Props: e.Props})
	}
	return evs, nil
}
