package delivery

import "sync"

// turnsHere is what this instance knows of turns: which it is running and
// which it accepted and has not answered yet. Plain maps under one lock, so
// once they have grown a turn adds no allocation (a sync.Map boxes each key
// and allocates a node for every store).
type turnsHere struct {
	mu       sync.Mutex
	running  map[string]struct{}
	accepted map[string]acceptedHere
}

// acceptedHere is what this instance remembers of a turn it accepted until
// the turn is answered: its safety flags (saving persist a lookup; resumed
// turns read the stored meta) and whether it has not run yet (its first run
// here is then surely its first anywhere).
type acceptedHere struct {
	flagged []string
	fresh   bool
}

// start marks turn id running; false when it already was.
func (h *turnsHere) start(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, busy := h.running[id]; busy {
		return false
	}
	if h.running == nil {
		h.running = map[string]struct{}{}
	}
	h.running[id] = struct{}{}
	return true
}

// done ends what start began.
func (h *turnsHere) done(id string) {
	h.mu.Lock()
	delete(h.running, id)
	h.mu.Unlock()
}

// isRunning reports whether turn id is running here.
func (h *turnsHere) isRunning(id string) bool {
	h.mu.Lock()
	_, ok := h.running[id]
	h.mu.Unlock()
	return ok
}

// accept remembers a turn just accepted here, fresh.
func (h *turnsHere) accept(id string, flagged []string) {
	h.mu.Lock()
	if h.accepted == nil {
		h.accepted = map[string]acceptedHere{}
	}
	h.accepted[id] = acceptedHere{flagged: flagged, fresh: true}
	h.mu.Unlock()
}

// takeFresh reports whether turn id was accepted here and has not run yet,
// and marks it run.
func (h *turnsHere) takeFresh(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, ok := h.accepted[id]
	if !ok || !a.fresh {
		return false
	}
	a.fresh = false
	h.accepted[id] = a
	return true
}

// take returns and forgets what was remembered of turn id.
func (h *turnsHere) take(id string) (acceptedHere, bool) {
	h.mu.Lock()
	a, ok := h.accepted[id]
	delete(h.accepted, id)
	h.mu.Unlock()
	return a, ok
}
