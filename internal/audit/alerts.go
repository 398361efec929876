package audit

import (
	"context"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Alert kinds.
const (
	AlertFailedLogins  = "failed_logins"
	AlertSpendingSpike = "spending_spike"
)

// Alert is a suspicious pattern. Key is the account (user id) or client
// address it concerns; Count the failures or Amount the spending in Window.
type Alert struct {
	Kind   string
	Key    string
	Count  int
	Amount decimal.Decimal
	Window time.Duration
	At     time.Time
}

// AlertConfig tunes the Alerter; zero fields take the defaults in brackets.
type AlertConfig struct {
	FailedLogins      int             // failures per account or address [10]
	FailedLoginWindow time.Duration   // [5m]
	SpendingThreshold decimal.Decimal // spending per user in SpendingWindow [1000]
	SpendingWindow    time.Duration   // [1h]
	Now               func() time.Time
	Cooldown          time.Duration // one alert per key and kind per cooldown [Window]
}

// Alerter counts events in sliding windows and calls its hook once a
// threshold is crossed. State is per process; safe for concurrent use.
type Alerter struct {
	cfg  AlertConfig
	hook func(ctx context.Context, a Alert)

	mu       sync.Mutex
	events   int // calls since the last sweep of idle keys
	failures map[string][]time.Time
	spend    map[string]*spendWindow
	fired    map[string]time.Time

	// scaled is the spending threshold at exponent scaledExp (see threshold).
	scaled    decimal.Decimal
	scaledExp int32
	hasScaled bool
}

type spendEvent struct {
	at     time.Time
	amount decimal.Decimal
}

// spendWindow is a user's spending in the window with its running total,
// so a new event costs the events it pushes out, not a sum of them all.
type spendWindow struct {
	events []spendEvent
	total  decimal.Decimal
}

// NewAlerter returns an Alerter calling hook (synchronously) for each alert.
func NewAlerter(cfg AlertConfig, hook func(ctx context.Context, a Alert)) *Alerter {
	if cfg.FailedLogins <= 0 {
		cfg.FailedLogins = 10
	}
	if cfg.FailedLoginWindow <= 0 {
		cfg.FailedLoginWindow = 5 * time.Minute
	}
	if !cfg.SpendingThreshold.IsPositive() {
		cfg.SpendingThreshold = decimal.NewFromInt(1000)
	}
	if cfg.SpendingWindow <= 0 {
		cfg.SpendingWindow = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Alerter{cfg: cfg, hook: hook, failures: map[string][]time.Time{}, spend: map[string]*spendWindow{}, fired: map[string]time.Time{}}
}

// FailedLogin counts a failed login against the account and the client
// address (either may be empty).
func (a *Alerter) FailedLogin(ctx context.Context, account, clientAddr string) {
	now := a.cfg.Now()
	var alerts []Alert
	a.mu.Lock()
	for _, key := range []string{"account:" + account, "addr:" + clientAddr} {
		if key == "account:" || key == "addr:" {
			continue
		}
		ts := pruneTimes(a.failures[key], now.Add(-a.cfg.FailedLoginWindow))
		ts = append(ts, now)
		a.failures[key] = ts
		a.sweepLocked(now)
		if len(ts) >= a.cfg.FailedLogins && a.shouldFire(AlertFailedLogins, key, now, a.cfg.FailedLoginWindow) {
			alerts = append(alerts, Alert{Kind: AlertFailedLogins, Key: key, Count: len(ts), Window: a.cfg.FailedLoginWindow, At: now})
		}
	}
	a.mu.Unlock()
	a.fire(ctx, alerts)
}

// Spend counts money spent (or model cost incurred) by a user.
func (a *Alerter) Spend(ctx context.Context, userID string, amount decimal.Decimal) {
	if userID == "" || !amount.IsPositive() {
		return
	}
	now := a.cfg.Now()
	var alerts []Alert
	a.mu.Lock()
	w := a.spend[userID]
	if w == nil {
		w = &spendWindow{}
		a.spend[userID] = w
	}
	cut := now.Add(-a.cfg.SpendingWindow)
	i := 0
	for i < len(w.events) && !w.events[i].at.After(cut) {
		w.total = w.total.Sub(w.events[i].amount)
		i++
	}
	w.events = append(w.events[i:], spendEvent{at: now, amount: amount})
	w.total = w.total.Add(amount)
	a.sweepLocked(now)
	if w.total.GreaterThanOrEqual(a.threshold(w.total.Exponent())) && a.shouldFire(AlertSpendingSpike, userID, now, a.cfg.SpendingWindow) {
		alerts = append(alerts, Alert{Kind: AlertSpendingSpike, Key: userID, Count: len(w.events), Amount: w.total, Window: a.cfg.SpendingWindow, At: now})
	}
	a.mu.Unlock()
	a.fire(ctx, alerts)
}

// threshold returns the spending threshold, written at exponent exp when
// that is exact (the same value), so that comparing it with a total of that
// exponent rescales nothing. a.mu is held.
func (a *Alerter) threshold(exp int32) decimal.Decimal {
	if exp >= a.cfg.SpendingThreshold.Exponent() {
		return a.cfg.SpendingThreshold
	}
	if !a.hasScaled || a.scaledExp != exp {
		a.scaled, a.scaledExp, a.hasScaled = decimal.New(0, exp).Add(a.cfg.SpendingThreshold), exp, true
	}
	return a.scaled
}

// SpendString is Spend with a decimal string; unparsable amounts are ignored.
func (a *Alerter) SpendString(ctx context.Context, userID, amount string) {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return
	}
	a.Spend(ctx, userID, d)
}

// shouldFire reports whether the alert kind for key is out of its cooldown,
// and starts a new one when it is. The map key "kind|key" is built on the
// stack: only an alert that fires stores (and allocates) it.
func (a *Alerter) shouldFire(kind, key string, now time.Time, window time.Duration) bool {
	cool := a.cfg.Cooldown
	if cool <= 0 {
		cool = window
	}
	var buf [128]byte
	k := append(append(append(buf[:0], kind...), '|'), key...)
	if last, ok := a.fired[string(k)]; ok && now.Sub(last) < cool {
		return false
	}
	a.fired[string(k)] = now
	return true
}

func (a *Alerter) fire(ctx context.Context, alerts []Alert) {
	if a.hook == nil {
		return
	}
	for _, al := range alerts {
		a.hook(ctx, al)
	}
}

// sweepLocked forgets keys with nothing left in their window every 1024
// events, so memory follows recent activity rather than every key ever seen.
func (a *Alerter) sweepLocked(now time.Time) {
	a.events++
	if a.events%1024 != 0 {
		return
	}
	for k, ts := range a.failures {
		if len(pruneTimes(ts, now.Add(-a.cfg.FailedLoginWindow))) == 0 {
			delete(a.failures, k)
		}
	}
	for k, w := range a.spend {
		if n := len(w.events); n == 0 || !w.events[n-1].at.After(now.Add(-a.cfg.SpendingWindow)) {
			delete(a.spend, k)
		}
	}
	for k, at := range a.fired {
		if now.Sub(at) > a.cfg.FailedLoginWindow+a.cfg.SpendingWindow+a.cfg.Cooldown {
			delete(a.fired, k)
		}
	}
}

func pruneTimes(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	return ts[i:]
}
