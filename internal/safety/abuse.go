package safety

import (
	"sort"
	"sync"
	"time"
)

// AbuseConfig tunes the Abuse tracker; zero fields take the defaults in brackets.
type AbuseConfig struct {
	Threshold int           // flagged or blocked attempts that trigger a block [10]
	Window    time.Duration // in which Threshold attempts must fall [1m]
	BlockFor  time.Duration // how long the user is then blocked [15m]
	Now       func() time.Time
}

// AbuseStatus is one user's standing, for the admin routes.
type AbuseStatus struct {
	UserID       string    `json:"user_id"`
	Attempts     int       `json:"attempts"` // in the current window
	Blocked      bool      `json:"blocked"`
	BlockedUntil time.Time `json:"blocked_until,omitzero"`
	LastAttempt  time.Time `json:"last_attempt,omitzero"`
}

// AbuseTracker keeps users' injection attempts and blocks: Abuse in one
// process, or a shared one (redisx.Abuse) so that a user spread over
// several instances is counted and blocked once.
type AbuseTracker interface {
	// Record counts an attempt when v is not Allow and reports whether the
	// user is (now) blocked and for how long.
	Record(userID string, v Verdict) (blocked bool, retryAfter time.Duration)
	// Blocked reports whether the user is blocked and for how long.
	Blocked(userID string) (bool, time.Duration)
	// Status lists users with recent attempts or a block, most attempts first.
	Status() []AbuseStatus
	// Reset forgets the user's attempts and lifts any block.
	Reset(userID string)
}

var _ AbuseTracker = (*Abuse)(nil)

// Abuse counts each user's injection attempts (flagged or blocked messages)
// and blocks a user who makes Threshold of them within Window. State is per
// process; safe for concurrent use.
type Abuse struct {
	cfg   AbuseConfig
	mu    sync.Mutex
	users map[string]*abuseEntry
}

type abuseEntry struct {
	attempts     []time.Time
	blockedUntil time.Time
}

// NewAbuse returns an Abuse tracker.
func NewAbuse(cfg AbuseConfig) *Abuse {
	if cfg.Threshold <= 0 {
		cfg.Threshold = 10
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.BlockFor <= 0 {
		cfg.BlockFor = 15 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Abuse{cfg: cfg, users: map[string]*abuseEntry{}}
}

// Config returns the tracker's settings, defaults applied.
func (a *Abuse) Config() AbuseConfig { return a.cfg }

// Record counts an attempt by the user when v is not Allow, and reports
// whether the user is (now) blocked and for how long.
func (a *Abuse) Record(userID string, v Verdict) (blocked bool, retryAfter time.Duration) {
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.users[userID]
	if v.Decision == Allow {
		if e != nil && now.Before(e.blockedUntil) {
			return true, e.blockedUntil.Sub(now)
		}
		return false, 0
	}
	if e == nil {
		a.sweepLocked(now)
		e = &abuseEntry{}
		a.users[userID] = e
	}
	e.attempts = append(pruneBefore(e.attempts, now.Add(-a.cfg.Window)), now)
	if len(e.attempts) >= a.cfg.Threshold && !now.Before(e.blockedUntil) {
		e.blockedUntil = now.Add(a.cfg.BlockFor)
	}
	if now.Before(e.blockedUntil) {
		return true, e.blockedUntil.Sub(now)
	}
	return false, 0
}

// Blocked reports whether the user is blocked and for how long.
func (a *Abuse) Blocked(userID string) (bool, time.Duration) {
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if e := a.users[userID]; e != nil && now.Before(e.blockedUntil) {
		return true, e.blockedUntil.Sub(now)
	}
	return false, 0
}

// Status returns the standing of every user with recent attempts or a block,
// most attempts first.
func (a *Abuse) Status() []AbuseStatus {
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []AbuseStatus
	for id, e := range a.users {
		e.attempts = pruneBefore(e.attempts, now.Add(-a.cfg.Window))
		blocked := now.Before(e.blockedUntil)
		if len(e.attempts) == 0 && !blocked {
			continue
		}
		s := AbuseStatus{UserID: id, Attempts: len(e.attempts), Blocked: blocked}
		if blocked {
			s.BlockedUntil = e.blockedUntil
		}
		if n := len(e.attempts); n > 0 {
			s.LastAttempt = e.attempts[n-1]
		}
		out = append(out, s)
	}
	SortStatus(out)
	return out
}

// SortStatus orders standings most attempts first, then by user id.
func SortStatus(out []AbuseStatus) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].Attempts != out[j].Attempts {
			return out[i].Attempts > out[j].Attempts
		}
		return out[i].UserID < out[j].UserID
	})
}

// Reset forgets the user's attempts and lifts any block.
func (a *Abuse) Reset(userID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.users, userID)
}

// sweepLocked drops idle users once the map grows, bounding memory.
func (a *Abuse) sweepLocked(now time.Time) {
	if len(a.users) < 4096 {
		return
	}
	for id, e := range a.users {
		if len(pruneBefore(e.attempts, now.Add(-a.cfg.Window))) == 0 && !now.Before(e.blockedUntil) {
			delete(a.users, id)
		}
	}
}

func pruneBefore(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	return ts[i:]
}
