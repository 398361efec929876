package redisx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/pamtravel/pam/internal/delivery"
)

// Broker is delivery.Broker on Redis pub/sub: every instance publishes its
// users' frames on one channel and delivers the frames of the others to its
// local connections. Publishing is asynchronous through a bounded buffer, so
// a slow or absent Redis never holds up a turn; a frame dropped then is only
// live (durable frames are stored first and replayed from the database on
// resume and by long-poll).
type Broker struct {
	c       *Client
	channel string
	origin  string
	out     chan envelope
	dropped atomic.Int64
}

var _ delivery.Broker = (*Broker)(nil)

type envelope struct {
	Origin string          `json:"o"`
	User   string          `json:"u"`
	Seq    int64           `json:"s,omitempty"`
	Turn   string          `json:"t,omitempty"`
	Type   string          `json:"y"`
	JSON   json.RawMessage `json:"j"`
}

// NewBroker returns a broker on the channel "<prefix>events".
func NewBroker(c *Client) *Broker {
	return &Broker{c: c, channel: c.Prefix + "events", origin: newMember(), out: make(chan envelope, 4096)}
}

// Publish implements delivery.Broker; it never blocks.
func (b *Broker) Publish(_ context.Context, userID string, f delivery.Frame) error {
	if !b.c.Healthy() {
		b.dropped.Add(1)
		return errors.New("redis broker: redis is down; frame delivered on this instance only")
	}
	select {
	case b.out <- envelope{Origin: b.origin, User: userID, Seq: f.Seq, Turn: f.TurnID, Type: f.Type, JSON: f.JSON}:
		return nil
	default:
		b.dropped.Add(1)
		return errors.New("redis broker: publish buffer full; frame delivered on this instance only")
	}
}

// Dropped counts frames not sent to other instances.
func (b *Broker) Dropped() int64 { return b.dropped.Load() }

// Run publishes outgoing frames and delivers incoming ones to hub until ctx
// ends. The subscription re-connects by itself after Redis comes back.
// ready, if not nil, is closed once the subscription is confirmed.
func (b *Broker) Run(ctx context.Context, hub *delivery.Hub, ready chan<- struct{}) error {
	ps := b.c.RDB.Subscribe(ctx, b.channel)
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		b.c.log.Warn("redis broker: first subscribe failed; retrying in the background", "error", err)
	}
	if ready != nil {
		close(ready)
	}
	go b.publishLoop(ctx)
	in := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-in:
			if !ok {
				return nil
			}
			var e envelope
			if err := json.Unmarshal([]byte(m.Payload), &e); err != nil {
				b.c.log.Warn("redis broker: bad envelope", "error", err)
				continue
			}
			if e.Origin == b.origin {
				continue
			}
			hub.Deliver(e.User, delivery.Frame{Seq: e.Seq, TurnID: e.Turn, Type: e.Type, JSON: e.JSON})
		}
	}
}

func (b *Broker) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-b.out:
			raw, err := json.Marshal(e)
			if err != nil {
				continue
			}
			if err := b.c.RDB.Publish(ctx, b.channel, raw).Err(); err != nil {
				b.dropped.Add(1)
				if ctx.Err() == nil {
					b.c.log.Debug("redis broker: publish failed", "error", fmt.Errorf("publish: %w", err))
				}
			}
		}
	}
}
