package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/protocol"
)

// LocateFunc resolves the best known location for a turn (GPS from the
// context, then last known, …); nil when unknown. c is nil when the turn
// came without a context.
type LocateFunc func(ctx context.Context, userID string, c *protocol.ChatContext, now time.Time) *tools.Location

// SetLocator installs the location fallback chain.
func (s *Service) SetLocator(f LocateFunc) { s.locate = f }

// Process runs an accepted turn to its durable answer, retrying up to
// MaxAttempts and dead-lettering it after the last. A turn already running on
// this instance is waited for instead of run twice.
func (s *Service) Process(ctx context.Context, t *store.Turn, in Inbound, live func(Frame)) (*Result, error) {
	if !s.here.start(t.ID) {
		return s.WaitResult(ctx, t)
	}
	defer s.here.done(t.ID)
	var lastErr error
	waits := 0
	for attempt := t.Attempts + 1; attempt <= s.cfg.MaxAttempts; {
		res, err := s.attempt(ctx, t, in, live)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if pamerr.IsBusy(err) {
			// A busy or unreachable database is not the turn's fault: wait as
			// told and try again, without using up an attempt; when the caller
			// gives up, the turn stays pending (answered on a retry of the same
			// id, by the sweep, or at the next start), never dead-lettered.
			if !sleepCtx(ctx, retryWait(err, waits)) {
				s.recordAttempt(t, err, false)
				return nil, pamerr.Wrap(err, pamerr.Overloaded, "Your message is saved and will be answered shortly.")
			}
			waits++
			continue
		}
		if ctx.Err() != nil {
			return nil, pamerr.Wrap(err, pamerr.Overloaded, "Your message is saved and will be answered shortly.")
		}
		final := attempt == s.cfg.MaxAttempts
		s.recordAttempt(t, err, final)
		s.log.Warn("turn attempt failed", "turn_id", t.ID, "attempt", attempt, "error", err)
		if !final {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		attempt++
	}
	return s.deadLetter(context.WithoutCancel(ctx), t, lastErr)
}

func (s *Service) recordAttempt(t *store.Turn, err error, final bool) {
	if _, ferr := s.store.FailTurnAttempt(context.Background(), t.ID, err.Error(), final); ferr != nil {
		s.log.Error("record failed attempt", "turn_id", t.ID, "error", ferr)
	}
}

// retryWait is how long a turn waits after its waits-th refusal: doubling
// from 250 ms up to the refusal's retry hint (kept within 200 ms – 5 s), so
// a short blip is answered soon after the database is back and a long
// outage is not polled hard.
func retryWait(err error, waits int) time.Duration {
	hint := min(max(pamerr.RetryAfterOf(err), 200*time.Millisecond), 5*time.Second)
	return min(250*time.Millisecond<<min(waits, 5), hint)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Service) attempt(ctx context.Context, t *store.Turn, in Inbound, live func(Frame)) (*Result, error) {
	u, err := s.store.UserByID(ctx, t.UserID)
	if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	ans := new(answer)
	em := &ans.emitter
	em.start(s.hub, t, live, s.cfg)
	defer em.stop()
	// Only the first run of a turn accepted here is sure to be its first
	// anywhere; any other may have changed data before it stopped.
	fresh := s.here.takeFresh(t.ID)
	ain := agent.Input{
		UserID: t.UserID, Role: u.Role, RequestID: in.RequestID, ConversationID: t.ConversationID,
		Text: t.Text, Settings: u.Settings, Now: s.now(), ClientAddr: in.ClientAddr, UserAgent: in.UserAgent,
		Authorize: in.Authorize, TurnID: t.ID, Rerun: !fresh || t.Attempts > 0,
	}
	if s.locate != nil {
		var c *protocol.ChatContext
		if len(t.Context) > 0 {
			c = new(protocol.ChatContext)
			_ = json.Unmarshal(t.Context, c)
		}
		ain.Location = s.locate(ctx, t.UserID, c, ain.Now)
	}
	out, err := s.agent.Run(ctx, ain, em)
	if err != nil {
		return nil, err
	}
	if note := s.contextChange(ctx, t, u, ain.Location, ain.Now); note != "" {
		out.Text = note + "\n\n" + out.Text
	}
	return s.persist(ctx, t, out, ans)
}

// answer is one allocation for an attempt's live emitter and for its
// result, the message meta encoded from it, the message and event the
// transaction makes and the frame's first tool-call and UI-action records
// (most turns make one call).
type answer struct {
	emitter emitter
	res     Result
	meta    struct {
		ToolCalls []protocol.ToolCall `json:"tool_calls"`
		UIActions []protocol.UIAction `json:"ui_actions"`
		Usage     *llm.Usage          `json:"usage,omitempty"` // for the admin usage and cost view
	}
	ev        *store.Event
	msg       store.Message
	toolCalls [1]protocol.ToolCall
	uiActions [1]protocol.UIAction
}

// persist stores the answer, its durable frame and the turn's completion in
// one transaction, building them in the attempt's answer p.
func (s *Service) persist(ctx context.Context, t *store.Turn, out *agent.Output, p *answer) (*Result, error) {
	p.res.Frame = protocol.Message{
		Type: protocol.TypeMessage, TurnID: t.ID, ID: t.ClientMessageID, ConversationID: t.ConversationID,
		Text: out.Text, ToolCalls: toolCalls(p.toolCalls[:0], out.ToolCalls), UIActions: uiActions(p.uiActions[:0], out.UIActions),
		Degraded: out.Degraded, Source: out.Source, Safety: s.flaggedSafety(ctx, t),
	}
	frame := &p.res.Frame
	p.meta.ToolCalls, p.meta.UIActions, p.meta.Usage = frame.ToolCalls, frame.UIActions, usageOf(out)
	err := s.store.InTx(ctx, func(tx store.Store) error {
		meta, _ := json.Marshal(&p.meta)
		p.msg = store.Message{ConversationID: t.ConversationID, UserID: t.UserID, Role: store.MessageAssistant, Content: out.Text, Source: out.Source, Degraded: out.Degraded, Meta: meta}
		msg := &p.msg
		if err := tx.AppendMessage(ctx, msg); err != nil {
			return err
		}
		frame.MessageID = msg.ID
		ev, err := tx.AppendEvent(ctx, t.UserID, protocol.TypeMessage, func(seq int64) (json.RawMessage, error) {
			frame.Seq = seq
			return json.Marshal(frame)
		})
		if err != nil {
			return err
		}
		p.ev = ev
		return tx.CompleteTurn(ctx, t.ID, msg.ID, ev.Seq)
	})
	if err != nil {
		return nil, fmt.Errorf("persist answer: %w", err)
	}
	s.hub.Publish(t.UserID, Frame{Seq: p.ev.Seq, TurnID: t.ID, Type: p.ev.Type, JSON: p.ev.Payload})
	return &p.res, nil
}

// flaggedSafety returns the safety flags of the turn's message: remembered
// when it was accepted here, else read from the stored message's meta.
func (s *Service) flaggedSafety(ctx context.Context, t *store.Turn) *protocol.Safety {
	if a, ok := s.here.take(t.ID); ok {
		if cats := a.flagged; len(cats) > 0 {
			return &protocol.Safety{Flagged: true, Categories: cats}
		}
		return nil
	}
	if t.UserMessageID == "" {
		return nil
	}
	msgs, err := s.store.RecentMessages(ctx, t.UserID, t.ConversationID, 50)
	if err != nil {
		return nil
	}
	for _, m := range msgs {
		if m.ID != t.UserMessageID || len(m.Meta) == 0 {
			continue
		}
		var meta turnMeta
		if json.Unmarshal(m.Meta, &meta) == nil && len(meta.Flagged) > 0 {
			return &protocol.Safety{Flagged: true, Categories: meta.Flagged}
		}
	}
	return nil
}

// deadLetter parks a turn that failed its last attempt and tells the user.
func (s *Service) deadLetter(ctx context.Context, t *store.Turn, cause error) (*Result, error) {
	s.here.take(t.ID)
	payload, _ := json.Marshal(t)
	dl := &store.DeadLetter{Kind: "turn", UserID: t.UserID, Payload: payload, Attempts: s.cfg.MaxAttempts, LastError: errString(cause)}
	if err := s.store.AddDeadLetter(ctx, dl); err != nil {
		s.log.Error("dead-letter turn", "turn_id", t.ID, "error", err)
	}
	msg := "Sorry, I couldn't answer that message after several tries. It has been saved for the team to look at; please try again later."
	ev, err := s.store.AppendEvent(ctx, t.UserID, protocol.TypeError, func(seq int64) (json.RawMessage, error) {
		return json.Marshal(protocol.Error{Type: protocol.TypeError, Code: string(pamerr.UpstreamUnavailable), Message: msg, ID: t.ClientMessageID, Seq: seq})
	})
	if err != nil {
		return nil, pamerr.Wrap(cause, pamerr.Internal, msg)
	}
	_ = s.store.CompleteTurn(ctx, t.ID, "", ev.Seq)
	s.hub.Publish(t.UserID, Frame{Seq: ev.Seq, TurnID: t.ID, Type: ev.Type, JSON: ev.Payload})
	return nil, pamerr.Wrap(cause, pamerr.UpstreamUnavailable, msg)
}

func usageOf(out *agent.Output) *llm.Usage {
	if out.Usage == (llm.Usage{}) {
		return nil
	}
	u := out.Usage
	return &u
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// toolCalls appends the turn's tool calls to buf (empty, with room for the
// common one); none make an empty list, never nil.
func toolCalls(buf []protocol.ToolCall, in []agent.ToolCall) []protocol.ToolCall {
	out := buf
	if len(in) > cap(buf) {
		out = make([]protocol.ToolCall, 0, len(in))
	}
	for _, c := range in {
		out = append(out, protocol.ToolCall{Name: c.Name, Status: c.Status})
	}
	return out
}

// uiActions appends the turn's UI actions to buf as toolCalls does.
func uiActions(buf []protocol.UIAction, in []tools.UIAction) []protocol.UIAction {
	out := buf
	if len(in) > cap(buf) {
		out = make([]protocol.UIAction, 0, len(in))
	}
	for _, a := range in {
		out = append(out, protocol.UIAction(a))
	}
	return out
}

// emitter publishes a turn's live frames and the thinking / still-working notices.
type emitter struct {
	hub  *Hub
	turn *store.Turn
	live func(Frame)

	mu      sync.Mutex
	output  bool
	stopped bool
	notices [2]notice // soonest first
	shown   int       // notices due so far
	timer   *time.Timer
}

// notice is a thinking frame due a while after the turn starts.
type notice struct {
	after time.Duration
	text  string // "" for the plain thinking frame, shown only while nothing was output
}

// start sets up e, not yet used, for turn t. One timer serves both notices:
// it is set again for the second when the first fires.
func (e *emitter) start(h *Hub, t *store.Turn, live func(Frame), cfg Config) {
	e.hub, e.turn, e.live = h, t, live
	first, second := notice{cfg.ThinkingAfter, ""}, notice{cfg.StillWorkingAfter, "Still working on it…"}
	if second.after < first.after {
		first, second = second, first
	}
	e.notices = [2]notice{first, second}
	e.mu.Lock() // the timer may fire before it is stored
	e.timer = time.AfterFunc(first.after, e.due)
	e.mu.Unlock()
}

func (e *emitter) stop() {
	e.mu.Lock()
	e.stopped = true
	e.timer.Stop()
	e.mu.Unlock()
}

// due shows the notice whose time has come and sets the timer for the next.
func (e *emitter) due() {
	e.mu.Lock()
	if e.stopped || e.shown == len(e.notices) {
		e.mu.Unlock()
		return
	}
	n := e.notices[e.shown]
	e.shown++
	if e.shown < len(e.notices) {
		e.timer.Reset(e.notices[e.shown].after - n.after)
	}
	e.mu.Unlock()
	e.thinking(n.text)
}

func (e *emitter) thinking(notice string) {
	e.mu.Lock()
	quiet := !e.output
	e.mu.Unlock()
	if quiet || notice != "" {
		e.send(protocol.TypeThinking, func() any {
			return protocol.Thinking{Type: protocol.TypeThinking, TurnID: e.turn.ID, Notice: notice}
		})
	}
}

func (e *emitter) Delta(text string) {
	e.mu.Lock()
	e.output = true
	e.mu.Unlock()
	e.send(protocol.TypeDelta, func() any { return protocol.Delta{Type: protocol.TypeDelta, TurnID: e.turn.ID, Text: text} })
}

func (e *emitter) Tool(name, status string) {
	e.send(protocol.TypeTool, func() any {
		return protocol.Tool{Type: protocol.TypeTool, TurnID: e.turn.ID, Name: name, Status: status}
	})
}

// send encodes the frame frame builds and publishes it, unless no one could
// receive it (no live callback, no connection of the user, no other instance).
func (e *emitter) send(typ string, frame func() any) {
	if e.live == nil && !e.hub.Listening(e.turn.UserID) {
		return
	}
	b, err := json.Marshal(frame())
	if err != nil {
		return
	}
	f := Frame{TurnID: e.turn.ID, Type: typ, JSON: b}
	e.hub.Publish(e.turn.UserID, f)
	if e.live != nil {
		e.live(f)
	}
}

// ResumePending answers turns that were accepted but not answered before a
// crash or restart, oldest first, exactly once each.
func (s *Service) ResumePending(ctx context.Context) {
	turns, err := s.store.PendingTurns(ctx, 1000)
	if err != nil {
		s.log.Warn("resume pending turns", "error", err)
		return
	}
	for i := range turns {
		t := &turns[i]
		if ctx.Err() != nil {
			return
		}
		s.log.Info("resuming turn", "turn_id", t.ID, "user_id", t.UserID)
		if _, err := s.Process(ctx, t, Inbound{UserID: t.UserID, RequestID: "resume-" + t.ID}, nil); err != nil {
			s.log.Warn("resumed turn failed", "turn_id", t.ID, "error", err)
		}
	}
}
