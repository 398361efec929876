package tools

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// PendingAction is a Confirm tool call held until its user says yes.
type PendingAction struct {
	ID        string          `json:"id"`
	UserID    string          `json:"-"`
	Tool      string          `json:"tool"`
	Args      json.RawMessage `json:"args"`
	Question  string          `json:"question"`
	CreatedAt time.Time       `json:"created_at"`
	ExpiresAt time.Time       `json:"expires_at"`
	call      Call
}

// PendingStore holds pending actions. Take removes and returns an action so
// that it runs at most once.
type PendingStore interface {
	Put(ctx context.Context, a PendingAction) error
	// Take removes and returns userID's unexpired action id; ok is false
	// when there is none (unknown, expired, taken, or another user's).
	Take(ctx context.Context, userID, id string, now time.Time) (a PendingAction, ok bool, err error)
	// List returns userID's unexpired actions, oldest first.
	List(ctx context.Context, userID string, now time.Time) ([]PendingAction, error)
}

// MemoryPending is an in-process PendingStore, for tests and tools used
// without a database. Its actions are neither shared between instances nor
// kept over a restart; StorePending is.
type MemoryPending struct {
	mu sync.Mutex
	m  map[string]PendingAction
}

// NewMemoryPending returns an empty MemoryPending.
func NewMemoryPending() *MemoryPending { return &MemoryPending{m: map[string]PendingAction{}} }

// Put stores a.
func (p *MemoryPending) Put(_ context.Context, a PendingAction) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[a.ID] = a
	return nil
}

// Take removes and returns userID's unexpired action id.
func (p *MemoryPending) Take(_ context.Context, userID, id string, now time.Time) (PendingAction, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.m[id]
	if !ok || a.UserID != userID {
		return PendingAction{}, false, nil
	}
	delete(p.m, id)
	return a, now.Before(a.ExpiresAt), nil
}

// List returns userID's unexpired actions, oldest first, forgetting expired ones.
func (p *MemoryPending) List(_ context.Context, userID string, now time.Time) ([]PendingAction, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []PendingAction
	for id, a := range p.m {
		switch {
		case !now.Before(a.ExpiresAt):
			delete(p.m, id)
		case a.UserID == userID:
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// PendingActions is the part of store.Store a StorePending needs.
type PendingActions interface {
	PutPendingAction(ctx context.Context, a *store.PendingAction) error
	TakePendingAction(ctx context.Context, userID, id string, now time.Time) (*store.PendingAction, error)
	ListPendingActions(ctx context.Context, userID string, now time.Time) ([]store.PendingAction, error)
}

// StorePending keeps pending actions in the database: a "yes" confirms on
// whichever instance it reaches, and after a restart.
type StorePending struct{ S PendingActions }

// Put stores a with its held call.
func (p StorePending) Put(ctx context.Context, a PendingAction) error {
	call, err := json.Marshal(a.call)
	if err != nil {
		return fmt.Errorf("hold %s: %w", a.Tool, err)
	}
	return p.S.PutPendingAction(ctx, &store.PendingAction{ID: a.ID, UserID: a.UserID, Tool: a.Tool, Question: a.Question,
		Call: call, CreatedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt})
}

// Take removes and returns userID's unexpired action id.
func (p StorePending) Take(ctx context.Context, userID, id string, now time.Time) (PendingAction, bool, error) {
	sa, err := p.S.TakePendingAction(ctx, userID, id, now)
	if store.IsNotFound(err) {
		return PendingAction{}, false, nil
	}
	if err != nil {
		return PendingAction{}, false, err
	}
	a, err := fromStored(*sa)
	return a, err == nil, err
}

// List returns userID's unexpired actions, oldest first.
func (p StorePending) List(ctx context.Context, userID string, now time.Time) ([]PendingAction, error) {
	stored, err := p.S.ListPendingActions(ctx, userID, now)
	if err != nil {
		return nil, err
	}
	out := make([]PendingAction, 0, len(stored))
	for _, sa := range stored {
		a, err := fromStored(sa)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func fromStored(sa store.PendingAction) (PendingAction, error) {
	a := PendingAction{ID: sa.ID, UserID: sa.UserID, Tool: sa.Tool, Question: sa.Question, CreatedAt: sa.CreatedAt, ExpiresAt: sa.ExpiresAt}
	if err := json.Unmarshal(sa.Call, &a.call); err != nil {
		return PendingAction{}, fmt.Errorf("pending action %s: held call unreadable: %w", sa.ID, err)
	}
	a.Args = a.call.Args
	return a, nil
}

// hold validates a Confirm call with the tool's Prepare and parks it.
func (e *Executor) hold(ctx context.Context, tool *Tool, call Call) Result {
	question := fmt.Sprintf("Please confirm: run %s?", humanName(tool.Name))
	if tool.Prepare != nil {
		q, err := e.prepare(ctx, tool, &call)
		if err != nil {
			return e.failure(ctx, tool, err)
		}
		if q != "" {
			question = q
		}
	}
	now := e.opts.Now()
	a := PendingAction{
		ID:        newActionID(),
		UserID:    call.UserID,
		Tool:      tool.Name,
		Args:      call.Args,
		Question:  question,
		CreatedAt: now,
		ExpiresAt: now.Add(e.opts.PendingTTL),
		call:      call,
	}
	if err := e.opts.Pending.Put(ctx, a); err != nil {
		e.opts.Logger.ErrorContext(ctx, "hold pending action", "tool", tool.Name, "err", err)
		return failed(StatusFailed, "I couldn't hold that for your confirmation; please try again.")
	}
	return Result{
		Status:  StatusNeedsConfirmation,
		Data:    map[string]any{"action_id": a.ID, "tool": a.Tool, "expires_at": a.ExpiresAt},
		Summary: question + ` Reply "yes" to confirm.`,
	}
}

func (e *Executor) prepare(ctx context.Context, tool *Tool, call *Call) (q string, err error) {
	timeout := tool.Timeout
	if timeout <= 0 {
		timeout = e.opts.DefaultTimeout
	}
	ctx, cancel := attemptCtx(ctx, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = errPanic
		}
	}()
	return tool.Prepare(ctx, call)
}

// Confirm runs the pending action actionID for userID: only that user's,
// only before it expires, and only once.
func (e *Executor) Confirm(ctx context.Context, userID, actionID string) Result {
	a, ok, err := e.opts.Pending.Take(ctx, userID, actionID, e.opts.Now())
	if err != nil {
		e.opts.Logger.ErrorContext(ctx, "take pending action", "err", err)
		return failed(StatusFailed, "I couldn't reach that request just now; please try again.")
	}
	if !ok {
		r := failed(StatusInvalidArguments, "There is nothing waiting for confirmation with that id (it may have expired; please ask again).")
		e.audit(ctx, &Call{Tool: "confirm_action", UserID: userID, Args: mustJSON(map[string]string{"action_id": actionID})}, &r)
		return r
	}
	call := a.call
	call.Confirmed = true
	call.Now = e.opts.Now()
	// The confirming turn is not the asking one (answered long ago): the
	// pending action itself, taken once, keeps it from running twice.
	call.TurnID, call.CallKey, call.Rerun = "", "", false
	return e.execute(ctx, call)
}

// PendingFor returns userID's unexpired pending actions, oldest first, so a
// plain "yes" can confirm the latest (none when the store cannot tell).
func (e *Executor) PendingFor(ctx context.Context, userID string) []PendingAction {
	out, err := e.opts.Pending.List(ctx, userID, e.opts.Now())
	if err != nil {
		e.opts.Logger.WarnContext(ctx, "list pending actions", "err", err)
	}
	return out
}

func newActionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "act_" + hex.EncodeToString(b[:])
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// Cancel drops userID's pending action actionID; false when there was none.
func (e *Executor) Cancel(ctx context.Context, userID, actionID string) bool {
	_, ok, err := e.opts.Pending.Take(ctx, userID, actionID, e.opts.Now())
	if err != nil {
		e.opts.Logger.WarnContext(ctx, "cancel pending action", "err", err)
	}
	return ok
}
