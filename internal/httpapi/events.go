package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/protocol"
)

// handleEvents is the long-poll fallback, GET /api/v1/events?after=SEQ&wait=25s:
// it answers the durable frames after SEQ as soon as there are any, or an
// empty list when wait (at most 60 s) runs out. A Hub subscription wakes it.
func (s *server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	after, wait, err := pollParams(r)
	if err != nil {
		return err
	}
	userID := claimsFrom(r.Context()).UserID
	hub := s.delivery.Hub()
	sub := hub.SubscribeBuffer(userID, 16)
	defer func() { sub.Close() }()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		evs, err := s.store.EventsAfter(r.Context(), userID, after, replayPage)
		if err != nil {
			return err
		}
		if len(evs) > 0 {
			return s.answerPoll(w, r, userID, after, evs)
		}
		select {
		case f, ok := <-sub.C:
			if !ok { // overflowed: look again with a fresh subscription
				sub = hub.SubscribeBuffer(userID, 16)
			}
			_ = f
		case <-deadline.C:
			return s.answerPoll(w, r, userID, after, nil)
		case <-s.rt.closing:
			return s.answerPoll(w, r, userID, after, nil)
		case <-r.Context().Done():
			return nil
		}
	}
}

func (s *server) answerPoll(w http.ResponseWriter, r *http.Request, userID string, after int64, evs []store.Event) error {
	newest, err := s.store.LastSeq(r.Context(), userID)
	if err != nil {
		return err
	}
	out := protocol.Events{Events: make([]json.RawMessage, 0, len(evs)), LastSeq: newest, Recovered: true}
	for _, ev := range evs {
		out.Events = append(out.Events, ev.Payload)
	}
	if after > newest {
		out.Recovered = false
	} else if first := after + 1; first <= newest && (len(evs) == 0 || evs[0].Seq != first) {
		oldest, err := s.store.OldestSeq(r.Context(), userID)
		if err != nil {
			return err
		}
		out.Recovered = oldest != 0 && oldest <= first
	}
	w.Header().Set("Cache-Control", "no-store")
	encode(w, http.StatusOK, out)
	return nil
}

// pollParams reads after (default 0) and wait (a Go duration or seconds;
// default 25 s, at most 60 s).
func pollParams(r *http.Request) (int64, time.Duration, error) {
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, pamerr.Invalid("after", "after must be a non-negative sequence number")
		}
		after = n
	}
	wait := pollDefaultWait
	if v := q.Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			secs, serr := strconv.ParseFloat(v, 64)
			if serr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs > 3600 {
				return 0, 0, pamerr.Invalid("wait", "wait must be a duration such as 25s")
			}
			d = time.Duration(secs * float64(time.Second))
		}
		if d < 0 {
			return 0, 0, pamerr.Invalid("wait", "wait must not be negative")
		}
		wait = min(d, pollMaxWait)
	}
	return after, wait, nil
}
