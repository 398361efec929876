package external

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Health states.
const (
	StateUnknown  = "unknown" // not checked yet; treated as available
	StateUp       = "up"
	StateDown     = "down"
	StateDisabled = "disabled" // offline mode
)

// Status is one source's health for /readyz.
type Status struct {
	State       string    `json:"state"`
	Breaker     string    `json:"breaker"`
	LastCheck   time.Time `json:"last_check,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

func (s *source) status() Status {
	s.healthM.Lock()
	st := s.health
	s.healthM.Unlock()
	st.Breaker = s.cb.State().String()
	return st
}

// recordCall folds the outcome of a real call into the health state.
func (s *source) recordCall(err error) {
	s.healthM.Lock()
	defer s.healthM.Unlock()
	if err == nil {
		s.health.State = StateUp
		s.health.LastSuccess = s.cfg.Now()
		s.health.LastError = ""
		return
	}
	s.health.LastError = err.Error()
}

func (s *source) check(ctx context.Context) {
	if s.cfg.Offline || s.ping == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	err := s.ping(ctx)
	s.healthM.Lock()
	defer s.healthM.Unlock()
	s.health.LastCheck = s.cfg.Now()
	if err != nil {
		s.health.State = StateDown
		s.health.LastError = err.Error()
		return
	}
	s.health.State = StateUp
	s.health.LastSuccess = s.health.LastCheck
	s.health.LastError = ""
}

// Health reports every source's state, for /readyz.
func (s *Services) Health() map[string]Status {
	out := make(map[string]Status, len(s.sources))
	for name, src := range s.sources {
		out[name] = src.status()
	}
	return out
}

// Names lists the configured sources, sorted.
func (s *Services) Names() []string {
	var out []string
	for name := range s.sources {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Available reports whether the source can be used now: configured, not
// offline, its last health check did not fail and its breaker is not open.
// Tools whose sources are all unavailable leave the model's list.
func (s *Services) Available(name string) bool {
	src, ok := s.sources[name]
	if !ok || s.cfg.Offline {
		return false
	}
	st := src.status()
	return st.State != StateDown && src.cb.State() != gobreaker.StateOpen
}

// CheckNow probes every source once, concurrently.
func (s *Services) CheckNow(ctx context.Context) {
	var wg sync.WaitGroup
	for _, src := range s.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src.check(ctx)
		}()
	}
	wg.Wait()
}

// Run checks every source at once and then every HealthInterval until ctx ends.
func (s *Services) Run(ctx context.Context) error {
	if s.cfg.Offline {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(s.cfg.HealthInterval)
	defer t.Stop()
	for {
		s.CheckNow(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
