package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/pamtravel/pam/internal/store"
)

// ExecutorOptions tune an Executor; zero fields take the defaults in brackets.
type ExecutorOptions struct {
	DefaultTimeout   time.Duration // per attempt, for tools without their own [8s]
	BreakerThreshold int           // consecutive failures that open a tool's breaker [5]
	BreakerOpen      time.Duration // how long an open breaker fails fast before a trial call [60s]
	MaxRetries       int           // extra attempts for Idempotent tools [2]; negative disables
	RetryBackoff     time.Duration // first backoff, doubled per attempt, with jitter [100ms]
	PendingTTL       time.Duration // how long a pending action can be confirmed [10m]
	Auditor          Auditor       // every call is recorded here; nil records nothing
	Results          ResultStore   // keeps turns' data-changing calls to run once; nil runs them plainly
	Pending          PendingStore  // held Confirm actions [in-process memory]
	Logger           *slog.Logger  // [slog.Default()]
	Now              func() time.Time
}

// Executor runs tool calls: authorization, validation, timeout, breaker,
// retries, result checks and audit, the same way for every model and transport.
// It is safe for concurrent use.
type Executor struct {
	reg  *Registry
	opts ExecutorOptions

	mu       sync.Mutex
	breakers map[string]*gobreaker.CircuitBreaker[*Result]
}

// NewExecutor returns an Executor over reg.
func NewExecutor(reg *Registry, opts ExecutorOptions) *Executor {
	if opts.DefaultTimeout <= 0 {
		opts.DefaultTimeout = 8 * time.Second
	}
	if opts.BreakerThreshold <= 0 {
		opts.BreakerThreshold = 5
	}
	if opts.BreakerOpen <= 0 {
		opts.BreakerOpen = 60 * time.Second
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 2
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 100 * time.Millisecond
	}
	if opts.PendingTTL <= 0 {
		opts.PendingTTL = 10 * time.Minute
	}
	if opts.Pending == nil {
		opts.Pending = NewMemoryPending()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Executor{reg: reg, opts: opts, breakers: map[string]*gobreaker.CircuitBreaker[*Result]{}}
}

// Execute runs call and always returns a Result; it never panics. A Confirm
// tool is held for confirmation whatever call.Confirmed says: only Confirm
// runs it.
func (e *Executor) Execute(ctx context.Context, call Call) Result {
	call.Confirmed = false
	return e.execute(ctx, call)
}

func (e *Executor) execute(ctx context.Context, in Call) (res Result) {
	start := time.Now()
	x := &executorCall{call: in}
	call := &x.call
	if call.Now.IsZero() {
		call.Now = e.opts.Now()
	}
	call.audits, call.started = x.collectAudits(e.opts.Auditor), start
	tool, ok := e.reg.Get(call.Tool)
	defer func() {
		if p := recover(); p != nil {
			e.opts.Logger.ErrorContext(ctx, "tool executor panic", "tool", call.Tool, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = failed(StatusFailed, "The tool failed unexpectedly.")
		}
		res.DurationMs = time.Since(start).Milliseconds()
		e.audit(ctx, call, &res)
	}()
	if !ok {
		return failed(StatusInvalidArguments, fmt.Sprintf("unknown tool %q", call.Tool))
	}
	if !tool.Allows(call.Role) {
		return failed(StatusUnauthorized, fmt.Sprintf("You are not allowed to use %s.", tool.Name))
	}
	if call.UserID == "" {
		return failed(StatusUnauthorized, "No signed-in user for this call.")
	}
	args, err := e.normalizeArgs(tool, call.Args)
	if err != nil {
		return failed(StatusInvalidArguments, err.Error())
	}
	call.Args = args
	if err := e.reg.ValidateArgs(tool.Name, call.Args); err != nil {
		return failed(StatusInvalidArguments, "invalid arguments: "+validationMessage(err))
	}
	if call.DryRun {
		return Result{Status: StatusOK, Summary: fmt.Sprintf("The arguments for %s are valid.", tool.Name)}
	}
	if tool.Confirm && !call.Confirmed {
		return e.hold(ctx, tool, *call)
	}
	return e.runOnce(ctx, tool, x)
}

// executorCall is the executor's copy of a call with the collector of its
// ledger rows and runOnce's working space: one allocation for all, where the
// copy escapes anyway.
type executorCall struct {
	call   Call
	audits callAudits
	res    Result     // changeOnce's result
	kept   keptResult // keep's encoding of it
}

// collectAudits returns x's collector, ready for auditor a, or nil when a
// cannot append a batch (collecting would gain nothing).
func (x *executorCall) collectAudits(a Auditor) *callAudits {
	b, ok := a.(BatchAuditor)
	if !ok {
		return nil
	}
	x.audits.to = b
	return &x.audits
}

// run executes tool through its breaker with timeout and retries, then checks the result.
func (e *Executor) run(ctx context.Context, tool *Tool, call *Call) Result {
	cb := e.breaker(tool.Name)
	attempts := 1
	if tool.Idempotent && e.opts.MaxRetries > 0 {
		attempts += e.opts.MaxRetries
	}
	var (
		res *Result
		err error
	)
	backoff := e.opts.RetryBackoff
	for i := 0; i < attempts; i++ {
		if i > 0 {
			wait := backoff + rand.N(backoff/2+1)
			backoff *= 2
			select {
			case <-ctx.Done():
				return failed(StatusTimeout, "The request was cancelled before the tool could finish.")
			case <-time.After(wait):
			}
		}
		res, err = cb.Execute(func() (*Result, error) { return e.attempt(ctx, tool, call) })
		if err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return e.failure(ctx, tool, err)
	}
	if res == nil {
		res = &Result{}
	}
	if res.Status == "" {
		res.Status = StatusOK
	}
	return e.checkResult(ctx, tool, *res)
}

// attempt runs the handler once under the tool's timeout. A handler that
// ignores its context is abandoned when the time is up; its goroutine ends
// when the handler returns.
func (e *Executor) attempt(ctx context.Context, tool *Tool, call *Call) (*Result, error) {
	timeout := tool.Timeout
	if timeout <= 0 {
		timeout = e.opts.DefaultTimeout
	}
	ctx, cancel := attemptCtx(ctx, timeout)
	defer cancel()
	h := &handlerRun{call: *call, done: make(chan struct{})}
	go h.run(ctx, e.opts.Logger, tool)
	select {
	case <-h.done:
		if h.err != nil && errors.Is(h.err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, errTimeout
		}
		return h.res, h.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, errTimeout
		}
		return nil, ctx.Err()
	}
}

// attemptCtx bounds an attempt by timeout. When the caller's deadline comes
// first (a turn's usually does) it is the bound already and the timer
// context, four allocations per call, is saved: running out of it is
// context.DeadlineExceeded, a timeout, either way.
func attemptCtx(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= timeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, timeout)
}

// handlerRun is one run of a handler, on its own copy of the call. Its
// outcome is read only after done is closed; an abandoned run's never is.
type handlerRun struct {
	call Call
	res  *Result
	err  error
	done chan struct{}
}

func (h *handlerRun) run(ctx context.Context, log *slog.Logger, tool *Tool) {
	defer close(h.done)
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "tool handler panic", "tool", tool.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			h.res, h.err = nil, errPanic
		}
	}()
	h.res, h.err = tool.Handler(ctx, &h.call)
}

var (
	errTimeout = Fail(StatusTimeout, "The tool took too long to answer.")
	errPanic   = errors.New("tool handler panicked")
)

// retryable reports whether a failed attempt may be tried again: timeouts and
// unexpected errors may be transient; categorized user-facing outcomes are not.
func retryable(err error) bool {
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) || errors.Is(err, errPanic) {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var te *Error
	if errors.As(err, &te) {
		return te.Status == StatusTimeout || te.Status == StatusFailed
	}
	return true
}

// countsAgainstBreaker reports whether err says the tool itself is broken,
// as opposed to a caller mistake or an empty answer.
func countsAgainstBreaker(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var te *Error
	if errors.As(err, &te) {
		return te.Status == StatusTimeout || te.Status == StatusFailed || te.Status == StatusNotAvailable
	}
	return !store.IsNotFound(err) && !store.IsConflict(err)
}

func (e *Executor) failure(ctx context.Context, tool *Tool, err error) Result {
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		r := failed(StatusNotAvailable, fmt.Sprintf("%s is temporarily unavailable after repeated failures; try again in a minute.", tool.Name))
		r.Banner = fmt.Sprintf("%s is temporarily unavailable.", humanName(tool.Name))
		return r
	case errors.Is(err, errPanic):
		return failed(StatusFailed, "The tool failed unexpectedly.")
	case errors.Is(err, context.Canceled):
		return failed(StatusTimeout, "The request was cancelled before the tool could finish.")
	case store.IsNotFound(err):
		return failed(StatusNoResults, "I couldn't find that.")
	case store.IsConflict(err):
		return failed(StatusInvalidArguments, "That already exists.")
	}
	var te *Error
	if errors.As(err, &te) {
		return failed(te.Status, te.Message)
	}
	e.opts.Logger.WarnContext(ctx, "tool failed", "tool", tool.Name, "err", err)
	return failed(StatusFailed, "The tool failed; please try again later.")
}

func failed(status Status, msg string) Result { return Result{Status: status, Error: msg} }

func humanName(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (e *Executor) breaker(name string) *gobreaker.CircuitBreaker[*Result] {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cb, ok := e.breakers[name]; ok {
		return cb
	}
	threshold := uint32(e.opts.BreakerThreshold)
	cb := gobreaker.NewCircuitBreaker[*Result](gobreaker.Settings{
		Name:         name,
		MaxRequests:  1,
		Timeout:      e.opts.BreakerOpen,
		ReadyToTrip:  func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= threshold },
		IsSuccessful: func(err error) bool { return !countsAgainstBreaker(err) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			e.opts.Logger.Warn("tool breaker state change", "tool", name, "from", from.String(), "to", to.String())
		},
	})
	e.breakers[name] = cb
	return cb
}

// BreakerStates reports each used tool's breaker: "closed", "half-open" or "open".
func (e *Executor) BreakerStates() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]string, len(e.breakers))
	for name, cb := range e.breakers {
		out[name] = cb.State().String()
	}
	return out
}

// normalizeArgs decodes args (numbers kept exact), refuses anything but an
// object, and drops a model-supplied user_id from tools users may call: the
// user always comes from Call.UserID.
func (e *Executor) normalizeArgs(tool *Tool, raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return json.RawMessage(`{}`), nil
	}
	if trimmed[0] != '{' {
		return nil, errors.New("arguments must be a JSON object")
	}
	if tool.Allows(store.RoleUser) && bytes.Contains(trimmed, []byte(`"user_id"`)) {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("arguments are not valid JSON: %w", err)
		}
		delete(m, "user_id")
		out, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("re-encode arguments: %w", err)
		}
		return out, nil
	}
	return trimmed, nil
}

// readablePointer turns "at '/amount': …" into "amount: …" and drops an empty pointer.
func readablePointer(l string) string {
	rest, ok := strings.CutPrefix(l, "at '")
	if !ok {
		return l
	}
	ptr, msg, ok := strings.Cut(rest, "': ")
	if !ok {
		return l
	}
	ptr = strings.ReplaceAll(strings.TrimPrefix(ptr, "/"), "/", ".")
	if ptr == "" {
		return msg
	}
	return ptr + ": " + msg
}

// validationMessage flattens a schema validation error into one line.
func validationMessage(err error) string {
	msg := err.Error()
	lines := strings.Split(msg, "\n")
	var parts []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(l, "- ")
		if l == "" || strings.HasPrefix(l, "jsonschema validation failed") {
			continue
		}
		parts = append(parts, readablePointer(l))
	}
	if len(parts) == 0 {
		return msg
	}
	return strings.Join(parts, "; ")
}
