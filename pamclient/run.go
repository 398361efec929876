package pamclient

import (
	"math/rand/v2"
	"time"
)

// run keeps the client connected until Close: WebSocket sessions with
// backoff between them, long-polling after FallbackAfter failed attempts in
// a row, and back to the WebSocket as soon as a probe succeeds.
func (c *Client) run() {
	defer close(c.done)
	failures, gen := 0, 0
	for c.ctx.Err() == nil {
		if c.opts.DisableWebSocket || failures >= c.opts.FallbackAfter {
			c.poll()
			failures = 0
			continue
		}
		gen++
		welcomed, err := c.runWS(gen)
		if c.ctx.Err() != nil {
			break
		}
		c.setMode(ModeDisconnected)
		if welcomed {
			failures = 0
		} else {
			failures++
		}
		c.logf("pamclient: websocket ended (welcomed=%v, failures=%d): %v", welcomed, failures, err)
		if failures >= c.opts.FallbackAfter {
			continue
		}
		if !c.sleep(c.backoff(failures)) {
			break
		}
	}
	c.setMode(ModeDisconnected)
}

// backoff is full jitter: uniform in [0, min(max, base·2^attempt)).
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.opts.BackoffBase
	for i := 0; i < attempt && ceiling < c.opts.BackoffMax; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, c.opts.BackoffMax)
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// sendable returns the pending chats not yet sent on connection gen and not
// waiting out a retry delay, marking them sent.
func (c *Client) sendable(gen int) []*outgoing {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	var out []*outgoing
	for _, o := range c.pending {
		if o.sentGen != gen && !now.Before(o.notFrom) {
			o.sentGen = gen
			out = append(out, o)
		}
	}
	return out
}

// resumeFrom is the seq to resume after, or nil when nothing was seen yet.
func (c *Client) resumeFrom() *int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.haveSeq {
		return nil
	}
	s := c.lastSeq
	return &s
}

// startAt adopts the server's newest seq on the first connection.
func (c *Client) startAt(seq int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.haveSeq {
		c.haveSeq, c.lastSeq = true, seq
	}
}

// nextRetry is how long until a chat waiting out a retry delay may be sent
// (an hour when none waits).
func (c *Client) nextRetry(gen int) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := time.Hour
	for _, o := range c.pending {
		if o.sentGen != gen {
			next = min(next, max(time.Until(o.notFrom), time.Millisecond))
		}
	}
	return next
}
