// Package loadgen is PAM's load generator (pam load): virtual users over
// WebSocket (through pamclient, with its reconnects and resume) or REST, with
// ramp-up, a bounded duration, think time and a realistic message mix; a
// live progress line; a final report (p50, p95, p99, throughput, error rate,
// lost and duplicated messages) as text and JSON; and a breaking-point mode
// that raises the number of users until p95 or the error rate crosses a
// threshold. It targets loopback unless told otherwise and always stops by
// itself. FakeModel is the simulated model it can start.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config describes one run.
type Config struct {
	Target      string        // PAM's base URL, e.g. http://127.0.0.1:8080
	Transport   string        // "ws" (default) or "rest"
	Users       int           // concurrent virtual users
	RampUp      time.Duration // users start evenly over this
	Duration    time.Duration // sending stops after ramp-up + Duration
	Think       time.Duration // mean pause between a user's answer and next message (exponential)
	Grace       time.Duration // how long outstanding answers are awaited after sending stops (30 s)
	AllowRemote bool          // allow a non-loopback target
	Progress    io.Writer     // live progress line; nil: none
	Every       time.Duration // progress interval (2 s)
	Seed        uint64
	// Accounts are reused across runs (breaking-point steps); nil: a fresh pool.
	Accounts *Accounts
	// SignUpFirst signs every user up before the clock starts: sign-up is a
	// one-off argon2id hash per user, not part of the chat load measured.
	SignUpFirst bool
}

func (c *Config) defaults() error {
	if c.Transport == "" {
		c.Transport = "ws"
	}
	if c.Transport != "ws" && c.Transport != "rest" {
		return fmt.Errorf("load: transport must be ws or rest, got %q", c.Transport)
	}
	if c.Users <= 0 {
		return errors.New("load: users must be at least 1")
	}
	if c.Duration <= 0 {
		return errors.New("load: duration must be positive")
	}
	if c.Duration+c.RampUp > 2*time.Hour {
		return errors.New("load: runs are bounded to 2 hours")
	}
	if c.Grace <= 0 {
		c.Grace = 30 * time.Second
	}
	if c.Every <= 0 {
		c.Every = 2 * time.Second
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	u, err := url.Parse(c.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("load: target %q must be an http(s) URL", c.Target)
	}
	if !c.AllowRemote && !isLoopback(u.Hostname()) {
		return fmt.Errorf("load: target %s is not a loopback address; pass --allow-remote to load a remote server", u.Host)
	}
	if c.Accounts == nil {
		c.Accounts = NewAccounts(c.Target, nil)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run runs the load and returns its report. It ends by itself after ramp-up
// + duration + grace, or earlier when ctx ends.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if cfg.SignUpFirst {
		if err := cfg.Accounts.SignUp(ctx, cfg.Users, cfg.Progress); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.RampUp+cfg.Duration+cfg.Grace+time.Minute)
	defer cancel()
	col := newCollector()
	stopSending := time.Now().Add(cfg.RampUp + cfg.Duration)
	var wg sync.WaitGroup
	progressDone := make(chan struct{})
	go progress(ctx, cfg, col, progressDone)
	for i := 0; i < cfg.Users; i++ {
		delay := time.Duration(0)
		if cfg.RampUp > 0 {
			delay = time.Duration(int64(cfg.RampUp) * int64(i) / int64(cfg.Users))
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if !sleep(ctx, delay) {
				return
			}
			v := &vu{cfg: &cfg, col: col, n: i, stop: stopSending, deadline: stopSending.Add(cfg.Grace),
				rng: newRand(cfg.Seed + uint64(i)*7919)}
			col.userUp(1)
			defer col.userUp(-1)
			if cfg.Transport == "rest" {
				v.runREST(ctx)
			} else {
				v.runWS(ctx)
			}
		}(i)
	}
	wg.Wait()
	cancel()
	<-progressDone
	r := col.snapshot(cfg.Transport, cfg.Users, time.Since(col.start))
	return &r, nil
}

func progress(ctx context.Context, cfg Config, col *collector, done chan<- struct{}) {
	defer close(done)
	if cfg.Progress == nil {
		return
	}
	t := time.NewTicker(cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(cfg.Progress)
			return
		case <-t.C:
			el := time.Since(col.start)
			col.mu.Lock()
			active := col.active
			col.mu.Unlock()
			r := col.snapshot(cfg.Transport, cfg.Users, el)
			fmt.Fprintf(cfg.Progress, "\r[%4ds] users %d/%d  sent %d  answered %d  waiting %d  errors %d  dup %d  p95 %s  %.1f/s   ",
				int(el.Seconds()), active, cfg.Users, r.Sent, r.Answered, r.Lost, r.Errors, r.Duplicated, ms(r.P95), r.Throughput)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// sharedTransport serves every virtual user: enough idle connections for
// thousands of users against one host.
func sharedTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 10000
	tr.MaxIdleConnsPerHost = 10000
	tr.IdleConnTimeout = 90 * time.Second
	return tr
}

func trimBase(s string) string { return strings.TrimRight(s, "/") }
