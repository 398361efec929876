package httpapi

import (
	"context"
	"sync"
)

// realtime tracks the long-lived connections of this instance so that a
// shutdown can drain them: http.Server.Shutdown does not close hijacked
// WebSockets, and long-polls would hold it for up to a minute.
type realtime struct {
	mu        sync.Mutex
	closing   chan struct{} // closed when shutdown starts: no new connections or polls
	goingAway chan struct{} // closed when turns are drained: sockets flush and close 1001
	conns     sync.WaitGroup
	live      map[*wsConn]struct{} // welcomed connections, to close on shutdown
	gauge     Gauge
}

func newRealtime(g Gauge) *realtime {
	if g == nil {
		g = nopGauge{}
	}
	return &realtime{closing: make(chan struct{}), goingAway: make(chan struct{}), live: map[*wsConn]struct{}{}, gauge: g}
}

type nopGauge struct{}

func (nopGauge) Inc() {}
func (nopGauge) Dec() {}

func (rt *realtime) isClosing() bool {
	select {
	case <-rt.closing:
		return true
	default:
		return false
	}
}

// open registers a connection; false when shutting down.
func (rt *realtime) open() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.isClosing() {
		return false
	}
	rt.conns.Add(1)
	rt.gauge.Inc()
	return true
}

// track registers a welcomed connection for the shutdown; false when the
// shutdown is already closing sockets.
func (rt *realtime) track(w *wsConn) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	select {
	case <-rt.goingAway:
		return false
	default:
	}
	rt.live[w] = struct{}{}
	return true
}

func (rt *realtime) untrack(w *wsConn) {
	rt.mu.Lock()
	delete(rt.live, w)
	rt.mu.Unlock()
}

func (rt *realtime) done() {
	rt.gauge.Dec()
	rt.conns.Done()
}

// shutdown refuses new connections, lets drain finish the turns in flight
// (or leave them pending in the store), then closes every socket with 1001
// after it has flushed the frames already queued for it, and waits for the
// connections to end — all within ctx.
func (rt *realtime) shutdown(ctx context.Context, drain func(context.Context)) {
	rt.mu.Lock()
	if rt.isClosing() {
		rt.mu.Unlock()
		return
	}
	close(rt.closing)
	rt.mu.Unlock()
	if drain != nil {
		drain(ctx)
	}
	rt.mu.Lock()
	close(rt.goingAway)
	for w := range rt.live {
		go w.goAway()
	}
	rt.mu.Unlock()
	done := make(chan struct{})
	go func() {
		rt.conns.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
