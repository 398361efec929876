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
	Put(a PendingAction)
	Take(id string) (PendingAction, bool)
	List(userID string) []PendingAction
	Drop(id string)
}

// MemoryPending is an in-process PendingStore. Pending actions do not survive
// a restart and are not shared between instances; a user then simply asks again.
type MemoryPending struct {
	mu sync.Mutex
	m  map[string]PendingAction
}

// NewMemoryPending returns an empty MemoryPending.
func NewMemoryPending() *MemoryPending { return &MemoryPending{m: map[string]PendingAction{}} }

// Put stores a.
func (p *MemoryPending) Put(a PendingAction) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[a.ID] = a
}

// Take removes and returns the action with id.
func (p *MemoryPending) Take(id string) (PendingAction, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.m[id]
	delete(p.m, id)
	return a, ok
}

// Drop removes the action with id.
func (p *MemoryPending) Drop(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, id)
}

// List returns userID's actions, oldest first.
func (p *MemoryPending) List(userID string) []PendingAction {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []PendingAction
	for _, a := range p.m {
		if a.UserID == userID {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
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
	e.opts.Pending.Put(a)
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
	ctx, cancel := context.WithTimeout(ctx, timeout)
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
	a, ok := e.opts.Pending.Take(actionID)
	if ok && a.UserID != userID {
		// Not this user's: put it back untouched and answer as if it did not exist.
		e.opts.Pending.Put(a)
		ok = false
	}
	if !ok {
		r := failed(StatusInvalidArguments, "There is nothing waiting for confirmation with that id.")
		e.audit(ctx, &Call{Tool: "confirm_action", UserID: userID, Args: mustJSON(map[string]string{"action_id": actionID})}, &r)
		return r
	}
	if !e.opts.Now().Before(a.ExpiresAt) {
		r := failed(StatusInvalidArguments, "That request expired; please ask again.")
		e.audit(ctx, &a.call, &r)
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
// plain "yes" can confirm the latest.
func (e *Executor) PendingFor(userID string) []PendingAction {
	now := e.opts.Now()
	var out []PendingAction
	for _, a := range e.opts.Pending.List(userID) {
		if now.Before(a.ExpiresAt) {
			out = append(out, a)
		} else {
			e.opts.Pending.Drop(a.ID)
		}
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
func (e *Executor) Cancel(userID, actionID string) bool {
	a, ok := e.opts.Pending.Take(actionID)
	if ok && a.UserID != userID {
		e.opts.Pending.Put(a)
		return false
	}
	return ok
}
