package pamclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/pamtravel/pam/protocol"
)

// pollGen marks chats sent (or being sent) over REST in polling mode.
const pollGen = -1

// poll runs polling mode — long-poll for durable frames, POST /api/v1/chat
// for the send queue — until a WebSocket probe succeeds or the client closes.
func (c *Client) poll() {
	c.setMode(ModePolling)
	ctx, cancel := context.WithCancel(c.ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.pollEvents(ctx) }()
	go func() { defer wg.Done(); c.postChats(ctx, &wg) }()
	defer func() {
		cancel()
		wg.Wait()
		c.resetPollSends()
	}()
	if c.opts.DisableWebSocket {
		<-c.ctx.Done()
		return
	}
	probe := time.NewTicker(c.opts.ProbeEvery)
	defer probe.Stop()
	for {
		select {
		case <-probe.C:
			s, err := c.dialWS(c.ctx)
			if err == nil {
				s.close()
				c.logf("pamclient: websocket works again; leaving polling mode")
				return
			}
		case <-c.ctx.Done():
			return
		}
	}
}

// resetPollSends lets chats whose POST was cut off be sent again.
func (c *Client) resetPollSends() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.pending {
		if o.sentGen == pollGen {
			o.sentGen = 0
		}
	}
}

// pollEvents long-polls GET /api/v1/events from the last seen seq.
func (c *Client) pollEvents(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		after := c.resumeFrom()
		wait := c.opts.PollWait
		var from int64
		if after == nil {
			wait = 0 // first contact: learn where the stream is, replay nothing
		} else {
			from = *after
		}
		var ev protocol.Events
		err := c.authed(ctx, func(tok string) error {
			path := fmt.Sprintf("/api/v1/events?after=%d&wait=%dms", from, wait.Milliseconds())
			return c.doJSON(ctx, http.MethodGet, path, tok, nil, &ev)
		})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			c.logf("pamclient: poll: %v", err)
			if !sleepCtx(ctx, c.backoff(failures)) {
				return
			}
			continue
		}
		failures = 0
		c.readyOne.Do(func() { close(c.ready) })
		if after == nil {
			c.startAt(ev.LastSeq)
			continue
		}
		if !ev.Recovered {
			w := protocol.Welcome{Type: protocol.TypeWelcome, UserID: c.UserID(), LastSeq: ev.LastSeq, Recovered: false}
			raw, _ := json.Marshal(w)
			c.emit(Event{Type: protocol.TypeWelcome, Welcome: &w, JSON: raw})
		}
		for _, raw := range ev.Events {
			c.handleFrame(raw)
		}
	}
}

// postChats sends the queue over POST /api/v1/chat with client_message_id,
// delivering each answer through the same seq dedupe as the event stream.
func (c *Client) postChats(ctx context.Context, wg *sync.WaitGroup) {
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	for {
		for _, o := range c.sendable(pollGen) {
			wg.Add(1)
			go func(f protocol.ClientFrame) {
				defer wg.Done()
				c.postChat(ctx, f)
			}(o.frame)
		}
		retry.Reset(c.nextRetry(pollGen))
		select {
		case <-c.kick:
		case <-retry.C:
		case <-ctx.Done():
			return
		}
	}
}

func (c *Client) postChat(ctx context.Context, f protocol.ClientFrame) {
	req := protocol.ChatRequest{Message: f.Text, ConversationID: f.ConversationID, ClientMessageID: f.ID, Context: f.Context}
	var resp protocol.ChatResponse
	err := c.authed(ctx, func(tok string) error {
		return c.doJSON(ctx, http.MethodPost, "/api/v1/chat", tok, req, &resp)
	})
	if ctx.Err() != nil {
		return
	}
	var apiErr *APIError
	switch {
	case err == nil:
		c.emit(Event{Type: protocol.TypeAccepted, ID: f.ID})
		m := protocol.Message{Type: protocol.TypeMessage, Seq: resp.Seq, ID: f.ID, ConversationID: resp.ConversationID,
			MessageID: resp.MessageID, Text: resp.Reply, ToolCalls: resp.ToolCalls, UIActions: resp.UIActions,
			Degraded: resp.Degraded, Source: resp.Source, Safety: resp.Safety}
		raw, _ := json.Marshal(m)
		if resp.Seq > 0 {
			c.deliver(raw)
		}
	case errors.As(err, &apiErr):
		e := protocol.Error{Type: protocol.TypeError, Code: apiErr.Code, Message: apiErr.Message, ID: f.ID, RetryAfterMs: apiErr.RetryAfter.Milliseconds()}
		c.refused(e)
		raw, _ := json.Marshal(e)
		c.event(raw)
	default: // network trouble: try again shortly
		c.refused(protocol.Error{ID: f.ID, Code: "UPSTREAM_UNAVAILABLE", RetryAfterMs: 1000})
	}
}

// authed runs call with a token, once more with a fresh one after a 401.
func (c *Client) authed(ctx context.Context, call func(tok string) error) error {
	tok, err := c.token(ctx, false)
	if err != nil {
		return err
	}
	err = call(tok)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
		if tok, err = c.token(ctx, true); err != nil {
			return err
		}
		err = call(tok)
	}
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
