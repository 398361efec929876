// Package delivery owns the path of a user message from any transport to its
// answer: safety checks, durable acceptance with idempotency (the client's
// message id), running the turn with retries and a dead-letter queue, and the
// per-user durable event stream (gapless seq, replay, acks) fanned out to every
// connection of the user.
package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/protocol"
)

// Agent answers one turn.
type Agent interface {
	Run(ctx context.Context, in agent.Input, emit agent.Emitter) (*agent.Output, error)
}

// InputGuard is the one safety pipeline every transport goes through.
type InputGuard interface {
	// CleanText validates and sanitizes message text (INVALID_INPUT, MESSAGE_TOO_LARGE).
	CleanText(text string) (string, error)
	// CheckContext bounds the context object (INVALID_INPUT naming the field).
	CheckContext(raw json.RawMessage) error
	// Screen scores text for injection: an error (UNSAFE_INPUT, RATE_LIMITED for a
	// blocked user) refuses it; categories non-empty means allowed but flagged.
	// A flagged message is not counted against the user until Flagged is
	// called, so a retry of an already stored message never counts twice.
	Screen(ctx context.Context, userID, text string) (categories []string, err error)
	// Flagged counts a stored flagged message against its sender.
	Flagged(userID string, categories []string)
}

// Config tunes delivery.
type Config struct {
	MaxAttempts       int           // 3
	ThinkingAfter     time.Duration // 2 s
	StillWorkingAfter time.Duration // 5 s
	WaitDuplicate     time.Duration // how long a duplicate waits for the original's answer (30 s)
	Workers           int           // background turn workers for Submit (16)
	QueueDepth        int           // turns waiting for a worker before Submit says OVERLOADED (100)
}

// Service runs the message path.
type Service struct {
	store    store.Store
	agent    Agent
	guard    InputGuard
	hub      *Hub
	log      *slog.Logger
	cfg      Config
	now      func() time.Time
	locate   LocateFunc
	sessions Sessions

	here  turnsHere
	queue *queue
	maint atomic.Pointer[Maintenance] // nil: maintenance mode off
	admit atomic.Pointer[AdmitFunc]   // nil: no per-user cap
}

// NewService returns a Service.
func NewService(s store.Store, a Agent, g InputGuard, hub *Hub, log *slog.Logger, cfg Config) *Service {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.ThinkingAfter <= 0 {
		cfg.ThinkingAfter = 2 * time.Second
	}
	if cfg.StillWorkingAfter <= 0 {
		cfg.StillWorkingAfter = 5 * time.Second
	}
	if cfg.WaitDuplicate <= 0 {
		cfg.WaitDuplicate = 30 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.QueueDepth <= 0 {
		cfg.QueueDepth = 100
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: s, agent: a, guard: g, hub: hub, log: log, cfg: cfg, now: time.Now,
		queue: newQueue(cfg.Workers, cfg.QueueDepth)}
}

// Hub returns the live fan-out.
func (s *Service) Hub() *Hub { return s.hub }

// Inbound is a chat message from any transport. Identity comes from the verified token.
type Inbound struct {
	UserID          string
	Role            string
	RequestID       string
	ClientMessageID string
	ConversationID  string
	Text            string
	Context         json.RawMessage
	ClientAddr      string
	UserAgent       string
	// Authorize, when set, re-checks the caller's token (revocation) before
	// every tool call of the turn.
	Authorize func(ctx context.Context) error
}

// Accepted is the durable acceptance of an Inbound.
type Accepted struct {
	Turn      *store.Turn
	Duplicate bool     // the client id was seen before: no new turn runs
	Flagged   []string // safety categories when allowed but flagged
}

// Accept validates, screens and durably stores the message (idempotently).
// With maintenance mode on, a message the database cannot take is queued
// durably instead, and the error says MAINTENANCE ("your message is queued").
func (s *Service) Accept(ctx context.Context, in Inbound) (*Accepted, error) {
	acc, err := s.accept(ctx, in)
	if err != nil {
		return nil, s.maintenance(ctx, in, err)
	}
	return acc, nil
}

func (s *Service) accept(ctx context.Context, in Inbound) (*Accepted, error) {
	text, err := s.guard.CleanText(in.Text)
	if err != nil {
		return nil, err
	}
	if err := s.checkContext(in.Context); err != nil {
		return nil, err
	}
	if len(in.ClientMessageID) > 128 {
		return nil, pamerr.Invalid("client_message_id", "client_message_id must be at most 128 characters")
	}
	clientID := in.ClientMessageID != ""
	if !clientID {
		in.ClientMessageID = uuid.NewString()
	}
	flagged, err := s.guard.Screen(ctx, in.UserID, text)
	if err != nil {
		// A user blocked since still gets the answer to a message stored before.
		if clientID {
			if t, derr := s.store.TurnByClientID(ctx, in.UserID, in.ClientMessageID); derr == nil {
				return &Accepted{Turn: t, Duplicate: true}, nil
			}
		}
		return nil, err
	}
	in.Text = text
	acc, err := s.storeTurn(ctx, &in, flagged)
	if err != nil {
		return nil, err
	}
	if !acc.Duplicate {
		s.here.accept(acc.Turn.ID, flagged)
		if len(flagged) > 0 {
			s.guard.Flagged(in.UserID, flagged)
		}
	}
	return acc, nil
}

func (s *Service) checkContext(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := s.guard.CheckContext(raw); err != nil {
		return err
	}
	var c protocol.ChatContext
	if err := json.Unmarshal(raw, &c); err != nil {
		return pamerr.Invalid("context", "context does not match the chat context shape: %v", err)
	}
	if err := c.Validate(); err != nil {
		return pamerr.Invalid("context", "%v", err)
	}
	return nil
}

// turnMeta is stored with the turn's user message.
type turnMeta struct {
	Flagged []string `json:"flagged,omitempty"`
}

// unflaggedMeta is the meta of every message not flagged, shared: the store
// only reads it.
var unflaggedMeta = json.RawMessage(`{}`)

// turnMetaJSON encodes the meta of a user message flagged with categories.
func turnMetaJSON(flagged []string) json.RawMessage {
	if len(flagged) == 0 {
		return unflaggedMeta
	}
	meta, _ := json.Marshal(&turnMeta{Flagged: flagged})
	return meta
}

// storeTurn stores the turn and its user message, or finds the turn a
// retry of the same client id stored before. One allocation holds the
// acceptance it returns and what the transaction makes.
func (s *Service) storeTurn(ctx context.Context, in *Inbound, flagged []string) (*Accepted, error) {
	r := &struct {
		acc  Accepted
		turn store.Turn
		msg  store.Message
		conv store.Conversation
	}{acc: Accepted{Flagged: flagged}}
	acc := &r.acc
	// The transaction reads in's fields from copies, so in stays off the heap.
	userID, clientID, text, turnCtx, convID := in.UserID, in.ClientMessageID, in.Text, in.Context, in.ConversationID
	err := s.store.InTx(ctx, func(tx store.Store) error {
		convID, err := s.conversation(ctx, tx, userID, convID, text, &r.conv)
		if err != nil {
			return err
		}
		// The turn goes first: the unique client id makes a retry find the
		// original here (and roll back the rest), with no separate check.
		msgID := store.NewID()
		r.turn = store.Turn{UserID: userID, ConversationID: convID, ClientMessageID: clientID, UserMessageID: msgID, Text: text, Context: turnCtx, Status: store.TurnPending}
		t := &r.turn
		existing, ok, err := tx.AcceptTurn(ctx, t)
		if err != nil {
			return err
		}
		if !ok {
			acc.Turn = existing
			return errDuplicate
		}
		r.msg = store.Message{ID: msgID, ConversationID: convID, UserID: userID, Role: store.MessageUser, Content: text, ClientMessageID: clientID, Meta: turnMetaJSON(flagged)}
		if err := tx.AppendMessage(ctx, &r.msg); err != nil {
			return err
		}
		acc.Turn = t
		return nil
	})
	if errors.Is(err, errDuplicate) {
		acc.Duplicate = true
		return acc, nil
	}
	if err != nil {
		return nil, err
	}
	return acc, nil
}

var errDuplicate = errors.New("duplicate client message id")

// conversation returns the id of the user's conversation convID, or of a new
// one named after text, made in c, when convID is "".
func (s *Service) conversation(ctx context.Context, tx store.Store, userID, convID, text string, c *store.Conversation) (string, error) {
	if convID != "" {
		existing, err := tx.ConversationByID(ctx, userID, convID)
		if err != nil {
			if store.IsNotFound(err) {
				return "", pamerr.New(pamerr.NotFound, "conversation not found")
			}
			return "", err
		}
		return existing.ID, nil
	}
	*c = store.Conversation{UserID: userID, Title: title(text)}
	if err := tx.CreateConversation(ctx, c); err != nil {
		return "", err
	}
	return c.ID, nil
}

// title names a new conversation after its first message: its words (as
// strings.Fields splits them) joined by single spaces, cut after 60
// characters with an ellipsis. A message already single-spaced is used as it
// is, without the copies of splitting and joining.
func title(text string) string {
	if !singleSpaced(text) {
		text = strings.Join(strings.Fields(text), " ")
	}
	const maxRunes = 60
	n := 0
	for i := range text { // an invalid byte counts as one character, as in []rune(text)
		if n == maxRunes {
			if !utf8.ValidString(text[:i]) { // []rune spells invalid bytes as U+FFFD
				return string([]rune(text)[:maxRunes]) + "…"
			}
			return text[:i] + "…"
		}
		n++
	}
	return text
}

// singleSpaced reports whether strings.Join(strings.Fields(s), " ") is s:
// no white space but single spaces between words.
func singleSpaced(s string) bool {
	afterSpace := true // a leading space is not single spacing
	for _, r := range s {
		if !unicode.IsSpace(r) {
			afterSpace = false
			continue
		}
		if r != ' ' || afterSpace {
			return false
		}
		afterSpace = true
	}
	return !afterSpace || s == ""
}

// Result is the answer of a turn as every transport reports it.
type Result struct {
	Frame   protocol.Message
	ErrCode string // set when the turn ended in a durable error frame
	ErrMsg  string

	response protocol.ChatResponse // made by Response
}

// Response converts r to the REST chat response, kept in r (so encoding it
// needs no copy of its own).
func (r *Result) Response() *protocol.ChatResponse {
	m := r.Frame
	r.response = protocol.ChatResponse{
		ConversationID: m.ConversationID, MessageID: m.MessageID, Reply: m.Text,
		ToolCalls: nonNil(m.ToolCalls), UIActions: nonNilUI(m.UIActions), Degraded: m.Degraded,
		Source: m.Source, Seq: m.Seq, Safety: m.Safety,
	}
	return &r.response
}

func nonNil(c []protocol.ToolCall) []protocol.ToolCall {
	if c == nil {
		return []protocol.ToolCall{}
	}
	return c
}

func nonNilUI(c []protocol.UIAction) []protocol.UIAction {
	if c == nil {
		return []protocol.UIAction{}
	}
	return c
}

// Chat accepts and answers synchronously (REST, SSE). live, if not nil, gets
// this turn's live frames too.
func (s *Service) Chat(ctx context.Context, in Inbound, live func(Frame)) (*Result, *Accepted, error) {
	release, err := s.admitTurn(ctx, in.UserID)
	if err != nil {
		return nil, nil, err
	}
	defer release()
	acc, err := s.Accept(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	if acc.Duplicate && !s.abandoned(acc.Turn) {
		res, err := s.WaitResult(ctx, acc.Turn)
		return res, acc, err
	}
	res, err := s.Process(ctx, acc.Turn, in, live)
	return res, acc, err
}

// abandoned reports a pending turn whose processing gave up after a failed
// attempt and that no one here is running: a client's retry of the same id
// takes it over instead of waiting for the sweep or a restart.
func (s *Service) abandoned(t *store.Turn) bool {
	if t.Status != store.TurnPending || t.Attempts == 0 {
		return false
	}
	return !s.here.isRunning(t.ID)
}

// WaitResult returns the answer of an already accepted turn, waiting for it
// when it is still running.
func (s *Service) WaitResult(ctx context.Context, t *store.Turn) (*Result, error) {
	sub := s.hub.Subscribe(t.UserID)
	defer sub.Close()
	deadline := time.NewTimer(s.cfg.WaitDuplicate)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		cur, err := s.store.TurnByClientID(ctx, t.UserID, t.ClientMessageID)
		if err != nil {
			return nil, err
		}
		if cur.Status != store.TurnPending {
			return s.storedResult(ctx, cur)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline.C:
			return nil, &pamerr.Error{Code: pamerr.Overloaded, Message: "Your message is still being answered; the reply will arrive shortly.", RetryAfter: 2 * time.Second}
		case <-sub.C:
		case <-tick.C:
		}
	}
}

// ReplyEvent returns the durable frame that ended turn t, or nil while the
// turn is still pending.
func (s *Service) ReplyEvent(ctx context.Context, t *store.Turn) (*store.Event, error) {
	cur, err := s.store.TurnByClientID(ctx, t.UserID, t.ClientMessageID)
	if err != nil {
		return nil, err
	}
	if cur.Status == store.TurnPending || cur.ReplySeq == 0 {
		return nil, nil
	}
	evs, err := s.store.EventsAfter(ctx, t.UserID, cur.ReplySeq-1, 1)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 || evs[0].Seq != cur.ReplySeq {
		return nil, pamerr.New(pamerr.NotFound, "the answer to this message is no longer kept; reload the conversation")
	}
	return &evs[0], nil
}

// storedResult loads the durable frame that ended a finished turn.
func (s *Service) storedResult(ctx context.Context, t *store.Turn) (*Result, error) {
	if t.ReplySeq == 0 {
		return nil, fmt.Errorf("delivery: turn %s finished without a frame", t.ID)
	}
	evs, err := s.store.EventsAfter(ctx, t.UserID, t.ReplySeq-1, 1)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 || evs[0].Seq != t.ReplySeq {
		return nil, pamerr.New(pamerr.NotFound, "the answer to this message is no longer kept; reload the conversation")
	}
	return decodeResult(evs[0])
}

func decodeResult(ev store.Event) (*Result, error) {
	if ev.Type == protocol.TypeError {
		var e protocol.Error
		if err := json.Unmarshal(ev.Payload, &e); err != nil {
			return nil, err
		}
		return &Result{ErrCode: e.Code, ErrMsg: e.Message}, nil
	}
	var m protocol.Message
	if err := json.Unmarshal(ev.Payload, &m); err != nil {
		return nil, err
	}
	return &Result{Frame: m}, nil
}
