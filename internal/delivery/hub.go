package delivery

import (
	"sync"
)

// Hub fans a user's frames out to every open connection of that user on this
// instance. A Broker (Redis pub/sub) carries them between instances.
type Hub struct {
	mu     sync.RWMutex
	subs   map[string]map[*Subscription]struct{}
	buffer int

	broker    Broker      // other instances; nil for one instance
	brokerErr func(error) // told when the broker fails
}

// Subscription receives one user's frames. C is closed when the subscription
// is closed or overflows (a slow reader); Overflowed then reports true.
type Subscription struct {
	C          <-chan Frame
	c          chan Frame
	hub        *Hub
	userID     string
	once       sync.Once
	mu         sync.Mutex
	overflowed bool
	closed     bool
	onOverflow func()
	onFrame    func()
}

// Frame is an encoded server frame; Seq > 0 marks a durable one.
type Frame struct {
	Seq    int64
	TurnID string
	Type   string
	JSON   []byte
}

// NewHub returns a Hub whose subscriptions buffer up to buffer frames.
func NewHub(buffer int) *Hub {
	if buffer <= 0 {
		buffer = 256
	}
	return &Hub{subs: map[string]map[*Subscription]struct{}{}, buffer: buffer}
}

// Subscribe starts receiving userID's frames.
func (h *Hub) Subscribe(userID string) *Subscription { return h.SubscribeBuffer(userID, h.buffer) }

// SubscribeBuffer is Subscribe with its own buffer size (a connection's
// bounded send queue); buffer <= 0 means the Hub's default.
func (h *Hub) SubscribeBuffer(userID string, buffer int) *Subscription {
	if buffer <= 0 {
		buffer = h.buffer
	}
	c := make(chan Frame, buffer)
	s := &Subscription{C: c, c: c, hub: h, userID: userID}
	h.mu.Lock()
	if h.subs[userID] == nil {
		h.subs[userID] = map[*Subscription]struct{}{}
	}
	h.subs[userID][s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Publish delivers f to every subscription of userID on this instance,
// never blocking: a subscription whose buffer is full is closed as overflowed.
// With a Broker set, f also goes to the user's connections on other instances.
func (h *Hub) Publish(userID string, f Frame) {
	h.publishLocal(userID, f)
	h.forward(userID, f)
}

// Listening reports whether a frame published for userID now could reach
// anyone: a subscription of the user here, or other instances through a
// Broker. A frame that nobody can receive need not be encoded.
func (h *Hub) Listening(userID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.broker != nil || len(h.subs[userID]) > 0
}

func (h *Hub) publishLocal(userID string, f Frame) {
	h.mu.RLock()
	subs := make([]*Subscription, 0, len(h.subs[userID]))
	for s := range h.subs[userID] {
		subs = append(subs, s)
	}
	h.mu.RUnlock()
	for _, s := range subs {
		s.send(f)
	}
}

// Connections returns how many subscriptions are open.
func (h *Hub) Connections() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, m := range h.subs {
		n += len(m)
	}
	return n
}

func (s *Subscription) send(f Frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.c <- f:
		if s.onFrame != nil {
			s.onFrame()
		}
	default:
		s.overflowed = true
		s.closeLocked()
		if s.onOverflow != nil {
			go s.onOverflow()
		}
	}
}

// OnFrame makes f run after each frame is queued (under the subscription's
// lock: f must be quick and not block). A connection can then start a writer
// only while it has frames to send instead of keeping one parked per socket.
func (s *Subscription) OnFrame(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onFrame = f
}

// NotifyOverflow makes f run, in its own goroutine, when the subscription
// overflows — so a connection whose writer is stuck on a slow reader can be
// closed at once instead of when its write times out.
func (s *Subscription) NotifyOverflow(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onOverflow = f
}

// Overflowed reports whether the subscription was closed for falling behind.
func (s *Subscription) Overflowed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overflowed
}

// Close stops the subscription.
func (s *Subscription) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked()
}

func (s *Subscription) closeLocked() {
	s.once.Do(func() {
		s.closed = true
		close(s.c)
		s.hub.mu.Lock()
		delete(s.hub.subs[s.userID], s)
		if len(s.hub.subs[s.userID]) == 0 {
			delete(s.hub.subs, s.userID)
		}
		s.hub.mu.Unlock()
	})
}
