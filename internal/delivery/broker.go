package delivery

import "context"

// Broker carries a user's frames to the other instances (Redis pub/sub). The
// Hub hands every frame it publishes to the Broker; frames arriving from
// other instances come back through Hub.Deliver, reaching only this
// instance's subscriptions, so nothing loops.
type Broker interface {
	Publish(ctx context.Context, userID string, f Frame) error
}

// SetBroker makes the Hub forward published frames to b (nil: this instance only).
// Call it before the Hub is used.
func (h *Hub) SetBroker(b Broker, onError func(error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.broker, h.brokerErr = b, onError
}

// Deliver fans f out to userID's subscriptions on this instance only: the
// entry point for frames published by another instance.
func (h *Hub) Deliver(userID string, f Frame) { h.publishLocal(userID, f) }

func (h *Hub) forward(userID string, f Frame) {
	h.mu.RLock()
	b, onErr := h.broker, h.brokerErr
	h.mu.RUnlock()
	if b == nil {
		return
	}
	if err := b.Publish(context.Background(), userID, f); err != nil && onErr != nil {
		onErr(err)
	}
}
