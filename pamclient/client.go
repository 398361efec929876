// Package pamclient is PAM's Go client: a WebSocket connection that
// reconnects with exponential backoff and full jitter, resumes from the last
// seen seq, keeps a send queue while disconnected (flushed with the same
// idempotency ids on reconnect), acknowledges durable frames cumulatively,
// drops duplicates by seq, detects dead connections by heartbeat, and falls
// back to long-polling (GET /api/v1/events + POST /api/v1/chat) after repeated
// WebSocket failures, returning to the WebSocket when it works again. The
// terminal client (pam chat), the load generator and the tests use it.
package pamclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pamtravel/pam/protocol"
)

// TokenSource returns a valid access token; it is asked on every (re)connect
// and whenever the server refuses the current one.
type TokenSource func(ctx context.Context) (string, error)

// Options configure a Client. Zero values take the defaults noted.
type Options struct {
	HTTPClient *http.Client // http.DefaultClient
	// Token supplies access tokens. Without it, call Login or Register first.
	Token  TokenSource
	Device string // a stable device id for acks (random per Client)
	// LastSeq resumes from a seq seen in an earlier run (0: replay nothing on
	// the first connection, then resume from what this Client saw).
	LastSeq int64
	// Reconnection: full-jitter exponential backoff from BackoffBase doubling to BackoffMax.
	BackoffBase time.Duration // 1 s
	BackoffMax  time.Duration // 8 s
	// FallbackAfter failed WebSocket attempts in a row switch to long-polling (3).
	FallbackAfter int
	// ProbeEvery is how often polling mode tries the WebSocket again (30 s).
	ProbeEvery time.Duration
	PollWait   time.Duration // long-poll wait (25 s)
	// Heartbeat overrides the server's heartbeat_ms for client pings; the
	// connection counts as dead after two heartbeats without any frame.
	Heartbeat   time.Duration
	DialTimeout time.Duration // 10 s
	// DisableWebSocket starts (and stays) in polling mode.
	DisableWebSocket bool
	Logf             func(format string, args ...any) // nil: silent
}

// Mode is how the client is connected.
type Mode string

// Connection modes.
const (
	ModeDisconnected Mode = "disconnected"
	ModeWebSocket    Mode = "websocket"
	ModePolling      Mode = "polling"
)

// Event is a frame other than a durable message: accepted, thinking, delta,
// tool, error (durable when Seq > 0), welcome; and "mode" when the transport changes.
type Event struct {
	Type   string
	ID     string // chat id (accepted, error)
	TurnID string
	Text   string // delta text, thinking notice, or error message
	Name   string // tool name
	Status string // tool status
	Code   string // error code
	Seq    int64  // durable error frames
	Mode   Mode   // "mode" events
	// Welcome is set on "welcome" events; Recovered false means frames were
	// lost to retention and the conversation should be reloaded over REST.
	Welcome *protocol.Welcome
	JSON    json.RawMessage // the frame as received
}

// Client talks to one PAM server for one user.
type Client struct {
	base string
	http *http.Client
	opts Options

	mu         sync.Mutex
	tokMu      sync.Mutex // serializes token refreshes
	session    *session   // tokens from Login/Register
	pending    []*outgoing
	lastSeq    int64
	haveSeq    bool // lastSeq is a real position in the stream (resume from it)
	forceToken bool // the server refused the token: get a fresh one
	mode       Mode
	started    bool
	ready      chan struct{} // closed at the first connection
	readyOne   sync.Once

	kick     chan struct{} // new outgoing chats
	messages chan protocol.Message
	events   chan Event
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}
}

// outgoing is a chat not yet answered; it is re-sent with the same id after
// every reconnect until its message (or a final error) arrives.
type outgoing struct {
	frame   protocol.ClientFrame
	sentGen int       // connection generation it was last sent on
	notFrom time.Time // retry delay after OVERLOADED / RATE_LIMITED
}

// New returns a Client for the server at baseURL (http:// or https://).
func New(baseURL string, opts Options) *Client {
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	if opts.Device == "" {
		opts.Device = "pamclient-" + randomID()
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 8 * time.Second
	}
	if opts.FallbackAfter <= 0 {
		opts.FallbackAfter = 3
	}
	if opts.ProbeEvery <= 0 {
		opts.ProbeEvery = 30 * time.Second
	}
	if opts.PollWait <= 0 {
		opts.PollWait = 25 * time.Second
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{
		base: strings.TrimRight(baseURL, "/"), http: opts.HTTPClient, opts: opts,
		lastSeq: opts.LastSeq, haveSeq: opts.LastSeq > 0, mode: ModeDisconnected, ready: make(chan struct{}),
		kick: make(chan struct{}, 1), messages: make(chan protocol.Message, 1024), events: make(chan Event, 1024),
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
}

// Messages delivers each durable answer exactly once, in seq order. Keep
// reading it: with 1024 unread messages the connection waits for the reader.
func (c *Client) Messages() <-chan protocol.Message { return c.messages }

// Events delivers live frames and connection changes. It is dropped from
// (never blocking the connection) when nobody reads it.
func (c *Client) Events() <-chan Event { return c.events }

// LastSeq is the newest durable seq delivered; persist it to resume later.
func (c *Client) LastSeq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSeq
}

// Mode reports the current transport.
func (c *Client) Mode() Mode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mode
}

// Pending is how many sent chats still wait for their answer.
func (c *Client) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// Connect starts the connection (kept up in the background until Close) and
// waits until the first one is established or ctx ends.
func (c *Client) Connect(ctx context.Context) error {
	c.mu.Lock()
	if !c.started {
		c.started = true
		go c.run()
	}
	c.mu.Unlock()
	select {
	case <-c.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pamclient: connect: %w", ctx.Err())
	case <-c.done:
		return errors.New("pamclient: closed")
	}
}

// Close stops the client; unanswered chats are forgotten.
func (c *Client) Close() error {
	c.cancel()
	c.mu.Lock()
	started := c.started
	c.mu.Unlock()
	if started {
		<-c.done
	}
	return nil
}

// Send queues a chat message with a fresh client-generated id and returns
// that id; the answer arrives on Messages. It is sent now when connected, or
// when the connection comes back.
func (c *Client) Send(ctx context.Context, text, conversationID string) (string, error) {
	return c.SendWithContext(ctx, text, conversationID, nil)
}

// SendWithContext is Send with the moment's context (location, time zone,
// locale), validated before anything is queued.
func (c *Client) SendWithContext(ctx context.Context, text, conversationID string, cc *protocol.ChatContext) (string, error) {
	return c.SendID(ctx, randomID(), text, conversationID, cc)
}

// SendID is SendWithContext with the caller's id (to retry a message across
// process restarts with the same idempotency key).
func (c *Client) SendID(ctx context.Context, id, text, conversationID string, cc *protocol.ChatContext) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if c.ctx.Err() != nil {
		return "", errors.New("pamclient: closed")
	}
	if err := cc.Validate(); err != nil {
		return "", fmt.Errorf("pamclient: %w", err)
	}
	f := protocol.ClientFrame{Type: protocol.TypeChat, ID: id, Text: text, ConversationID: conversationID}
	if cc != nil {
		raw, err := json.Marshal(cc)
		if err != nil {
			return "", fmt.Errorf("pamclient: encode context: %w", err)
		}
		f.Context = raw
	}
	c.mu.Lock()
	c.pending = append(c.pending, &outgoing{frame: f})
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return id, nil
}

// deliver hands a durable frame over once (by seq) and reports whether it was new.
func (c *Client) deliver(raw json.RawMessage) (seq int64, isNew bool) {
	var head struct {
		Type string `json:"type"`
		Seq  int64  `json:"seq"`
		ID   string `json:"id"`
	}
	if json.Unmarshal(raw, &head) != nil || head.Seq <= 0 {
		return 0, false
	}
	c.mu.Lock()
	c.haveSeq = true
	if head.Seq <= c.lastSeq {
		c.mu.Unlock()
		return head.Seq, false
	}
	c.lastSeq = head.Seq
	c.mu.Unlock()
	switch head.Type {
	case protocol.TypeMessage:
		var m protocol.Message
		if json.Unmarshal(raw, &m) == nil {
			select {
			case c.messages <- m:
			case <-c.ctx.Done():
			}
		}
	default:
		c.event(raw)
	}
	// Only now, so that Pending() == 0 means every answer is on its channel.
	c.mu.Lock()
	c.finishLocked(head.ID)
	c.mu.Unlock()
	return head.Seq, true
}

// finishLocked forgets the outgoing chat id: it has its final answer.
func (c *Client) finishLocked(id string) {
	if id == "" {
		return
	}
	for i, o := range c.pending {
		if o.frame.ID == id {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			return
		}
	}
}

// refused handles a non-durable error about a chat: retried later when the
// server says so (OVERLOADED, RATE_LIMITED, MAINTENANCE), dropped otherwise.
func (c *Client) refused(e protocol.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.pending {
		if o.frame.ID != e.ID {
			continue
		}
		switch e.Code {
		case "OVERLOADED", "RATE_LIMITED", "MAINTENANCE", "UPSTREAM_UNAVAILABLE", "INTERNAL":
			wait := time.Duration(e.RetryAfterMs) * time.Millisecond
			if wait <= 0 {
				wait = time.Second
			}
			o.sentGen, o.notFrom = 0, time.Now().Add(wait)
		default:
			c.finishLocked(e.ID)
		}
		return
	}
}

// event decodes a non-message frame for Events, dropping it when nobody listens.
func (c *Client) event(raw json.RawMessage) {
	var f struct {
		Type    string `json:"type"`
		ID      string `json:"id"`
		TurnID  string `json:"turn_id"`
		Text    string `json:"text"`
		Notice  string `json:"notice"`
		Name    string `json:"name"`
		Status  string `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Seq     int64  `json:"seq"`
	}
	if json.Unmarshal(raw, &f) != nil {
		return
	}
	ev := Event{Type: f.Type, ID: f.ID, TurnID: f.TurnID, Text: f.Text, Name: f.Name, Status: f.Status, Code: f.Code, Seq: f.Seq, JSON: raw}
	switch f.Type {
	case protocol.TypeThinking:
		ev.Text = f.Notice
	case protocol.TypeError:
		ev.Text = f.Message
	case protocol.TypeWelcome:
		var w protocol.Welcome
		if json.Unmarshal(raw, &w) == nil {
			ev.Welcome = &w
		}
	}
	c.emit(ev)
}

func (c *Client) emit(ev Event) {
	select {
	case c.events <- ev:
	default:
	}
}

func (c *Client) setMode(m Mode) {
	c.mu.Lock()
	changed := c.mode != m
	c.mode = m
	c.mu.Unlock()
	if changed {
		c.emit(Event{Type: "mode", Mode: m})
		c.logf("pamclient: %s", m)
	}
	if m != ModeDisconnected {
		c.readyOne.Do(func() { close(c.ready) })
	}
}

func (c *Client) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(format, args...)
	}
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
