package tools

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// ResultStore keeps the results of a turn's data-changing tool calls in the
// transaction of the change (store.Store satisfies it).
type ResultStore interface {
	InTxContext(ctx context.Context, fn func(ctx context.Context) error) error
	SaveToolResult(ctx context.Context, turnID, key string, result json.RawMessage) error
	ToolResult(ctx context.Context, turnID, key string) (json.RawMessage, error)
}

// keptResult is a Result as kept for a replay, with what the model does not see.
type keptResult struct {
	Result
	UIActions []UIAction `json:"ui_actions,omitempty"`
	Banner    string     `json:"banner,omitempty"`
}

// errUnchanged rolls back a call that did not succeed, and whatever it wrote.
var errUnchanged = errors.New("tool call did not succeed")

// runOnce runs a data-changing call of a turn at most once. Its change, its
// audit rows and its result commit together, and when the turn runs again
// (a retry, a restart, another instance taking it over) the call gets the
// kept result instead of changing the data twice. A failed call leaves
// nothing behind. Tools that also call outside services keep their result
// after the change instead: a transaction held across the call would stall
// every other write.
func (e *Executor) runOnce(ctx context.Context, tool *Tool, x *executorCall) Result {
	call := &x.call
	rs := e.opts.Results
	if rs == nil || !tool.Writes || call.TurnID == "" || call.CallKey == "" {
		return e.run(ctx, tool, call)
	}
	if len(tool.Sources) > 0 {
		if res, ok := e.replay(ctx, call); ok {
			return res
		}
		res := e.run(ctx, tool, call)
		if succeeded(res) {
			if err := e.keep(ctx, x, res); err != nil {
				e.opts.Logger.WarnContext(ctx, "keep tool result", "tool", call.Tool, "err", err)
			}
		}
		return res
	}
	res, err := e.changeOnce(ctx, tool, x)
	for wait := 250 * time.Millisecond; pamerr.IsBusy(err) && wait <= time.Second && ctx.Err() == nil; wait *= 2 {
		// A database blip: the commit may or may not have happened, so the
		// next try looks for the kept result before acting again.
		call.Rerun = true
		if !sleep(ctx, wait) {
			break
		}
		res, err = e.changeOnce(ctx, tool, x)
	}
	switch {
	case err == nil:
		call.audited = !call.replayed && e.opts.Auditor != nil
	case !errors.Is(err, errUnchanged):
		e.opts.Logger.ErrorContext(ctx, "tool change not saved", "tool", call.Tool, "err", err)
		return failed(StatusFailed, "The change could not be saved; please try again.")
	}
	return res
}

// changeOnce is one try of runOnce's transaction. Its result is made in
// x.res, which the transaction's function would otherwise move to the heap.
func (e *Executor) changeOnce(ctx context.Context, tool *Tool, x *executorCall) (Result, error) {
	x.res = Result{}
	x.call.audits.restart()
	err := e.opts.Results.InTxContext(ctx, func(ctx context.Context) error {
		call, res := &x.call, &x.res
		var ok bool
		if *res, ok = e.replay(ctx, call); ok {
			return nil
		}
		*res = e.run(ctx, tool, call)
		if !succeeded(*res) {
			return errUnchanged
		}
		if e.opts.Auditor != nil {
			res.DurationMs = time.Since(call.started).Milliseconds()
			if err := e.writeAudit(ctx, call, res); err != nil {
				return err
			}
		}
		return e.keep(ctx, x, *res)
	})
	return x.res, err
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func succeeded(r Result) bool { return r.Status == StatusOK || r.Status == StatusPartial }

// replay returns the kept result of call, when the turn is running again
// and the call already committed its change.
func (e *Executor) replay(ctx context.Context, call *Call) (Result, bool) {
	if !call.Rerun {
		return Result{}, false
	}
	raw, err := e.opts.Results.ToolResult(ctx, call.TurnID, call.CallKey)
	if err != nil {
		if !store.IsNotFound(err) {
			e.opts.Logger.WarnContext(ctx, "read kept tool result", "tool", call.Tool, "err", err)
		}
		return Result{}, false
	}
	var k keptResult
	var data json.RawMessage
	k.Data = &data // the kept data is replayed as it was kept, byte for byte
	if err := json.Unmarshal(raw, &k); err != nil {
		e.opts.Logger.ErrorContext(ctx, "kept tool result unreadable", "tool", call.Tool, "err", err)
		return Result{}, false
	}
	call.replayed = true
	res := k.Result
	res.UIActions, res.Banner = k.UIActions, k.Banner
	res.Data = nil // none kept, or null
	if data != nil {
		res.Data = data
	}
	return res, true
}

// keep saves res as call x's kept result, encoded from x.kept (on the heap
// with x already, where a keptResult of its own would be moved).
func (e *Executor) keep(ctx context.Context, x *executorCall, res Result) error {
	x.kept = keptResult{Result: res, UIActions: res.UIActions, Banner: res.Banner}
	raw, err := json.Marshal(&x.kept)
	x.kept = keptResult{} // holds nothing of the result past the encoding
	if err != nil {
		return err
	}
	return e.opts.Results.SaveToolResult(ctx, x.call.TurnID, x.call.CallKey, raw)
}
