package httpapi

import (
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/protocol"
)

// Gauge counts open connections (a prometheus.Gauge satisfies it).
type Gauge interface {
	Inc()
	Dec()
}

// Defaults of the real-time transports; Config overrides them.
const (
	defaultHeartbeat    = 25 * time.Second
	defaultHelloTimeout = 10 * time.Second
	defaultIdleClose    = 5 * time.Minute
	defaultSendQueue    = 32
	defaultFrameRate    = 20 // frames a second per connection, sustained
	defaultFrameBurst   = 40
	defaultAbuseStrikes = 30 // refused frames within a minute before 4008
	wsMaxFrame          = 64 << 10
	wsWriteTimeout      = 10 * time.Second
	pollMaxWait         = 60 * time.Second
	pollDefaultWait     = 25 * time.Second
	replayPage          = 200
)

func realtimeDefaults(c Config) Config {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defDur := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	defDur(&c.Heartbeat, defaultHeartbeat)
	defDur(&c.HelloTimeout, defaultHelloTimeout)
	defDur(&c.IdleClose, defaultIdleClose)
	def(&c.WSSendQueue, defaultSendQueue)
	def(&c.WSFrameRate, defaultFrameRate)
	def(&c.WSFrameBurst, defaultFrameBurst)
	def(&c.WSAbuseStrikes, defaultAbuseStrikes)
	return c
}

// tokenBucket limits a connection's frame rate.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// take spends one token, or reports how long until one is available.
func (b *tokenBucket) take(now time.Time) (bool, time.Duration) {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// strikes counts refused frames in a one-minute window.
type strikes struct {
	n     int
	since time.Time
}

func (s *strikes) add(now time.Time) int {
	if now.Sub(s.since) > time.Minute {
		s.n, s.since = 0, now
	}
	s.n++
	return s.n
}

// allow applies the frame rate limit: an error frame while the client
// exceeds it, close 4008 when it keeps on.
func (w *wsConn) allow() error {
	now := time.Now()
	ok, wait := w.bucket.take(now)
	if ok {
		return nil
	}
	if w.strike.add(now) >= w.s.cfg.WSAbuseStrikes {
		w.close(protocol.CloseAbuse, "too many frames")
		return errClosed
	}
	return w.sendErr(&pamerr.Error{Code: pamerr.RateLimited, Message: "Too many frames; slow down.", RetryAfter: wait}, "")
}
