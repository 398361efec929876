// Package agent owns one conversation turn: it assembles the context (user
// facts, summarized history), runs the model/tool loop for several rounds with
// parallel tool calls, streams live progress out, scans the reply, and falls
// back to the rules brain through the model chain when models fail.
package agent

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// Tools is the tool executor as the agent uses it.
type Tools interface {
	Definitions(role string, available func(source string) bool) []*tools.Tool
	Execute(ctx context.Context, call tools.Call) tools.Result
}

// History reads a conversation's stored messages.
type History interface {
	RecentMessages(ctx context.Context, userID, conversationID string, limit int) ([]store.Message, error)
}

// Guard scans what flows into and out of the model. Nil means no scanning.
type Guard interface {
	// Untrusted fences tool output (data, never instructions) after scanning
	// it; blocked means it carried instructions aimed at the model.
	Untrusted(text string) (fenced string, blocked bool)
	// CheckReply returns a safe reply and whether the original was replaced.
	CheckReply(reply, systemPrompt string) (string, bool)
	// Redact removes secrets and card numbers from text.
	Redact(text string) string
}

// Emitter receives live progress of a turn; every method may be called from any goroutine.
type Emitter interface {
	Delta(text string)
	Tool(name, status string)
}

// Config tunes the turn.
type Config struct {
	MaxRounds        int           // tool rounds per turn (6)
	MaxTools         int           // tools per request (15)
	HistoryExchanges int           // exchanges before summarizing (50)
	KeepExchanges    int           // exchanges sent verbatim with a summary (10)
	TurnDeadline     time.Duration // whole turn (30 s)
	MaxTokens        int
}

// Agent runs turns.
type Agent struct {
	model     llm.Model
	tools     Tools
	history   History
	guard     Guard
	available func(source string) bool
	cfg       Config
	summaries *summaryCache
	confirm   Confirmer
	lastDefs  atomic.Pointer[toolDefsMade]
}

// WithConfirmer lets plain yes/no replies confirm or cancel pending actions.
func (a *Agent) WithConfirmer(c Confirmer) *Agent {
	a.confirm = c
	return a
}

// New returns an Agent. available may be nil (every source up).
func New(model llm.Model, t Tools, h History, g Guard, available func(string) bool, cfg Config) *Agent {
	if cfg.MaxRounds <= 0 {
		cfg.MaxRounds = 6
	}
	if cfg.MaxTools <= 0 {
		cfg.MaxTools = 15
	}
	if cfg.HistoryExchanges <= 0 {
		cfg.HistoryExchanges = 50
	}
	if cfg.KeepExchanges <= 0 || cfg.KeepExchanges >= cfg.HistoryExchanges {
		cfg.KeepExchanges = 10
	}
	if cfg.TurnDeadline <= 0 {
		cfg.TurnDeadline = 30 * time.Second
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = 1024
	}
	if available == nil {
		available = func(string) bool { return true }
	}
	return &Agent{model: model, tools: t, history: h, guard: g, available: available, cfg: cfg, summaries: newSummaryCache(1024)}
}

// Input is one user message to answer.
type Input struct {
	UserID         string
	Role           string
	RequestID      string
	ConversationID string
	Text           string
	Settings       store.Settings
	Location       *tools.Location
	Vehicle        string
	Now            time.Time
	ClientAddr     string
	UserAgent      string
	// Authorize, when set, is checked before every tool call: a session
	// revoked mid-turn stops acting.
	Authorize func(ctx context.Context) error
	// TurnID names the durable turn; Rerun says it ran before (a retry, a
	// restart, a takeover), so its data-changing calls replay what they
	// already did instead of doing it twice.
	TurnID string
	Rerun  bool
}

// ToolCall summarizes one tool call of the turn.
type ToolCall struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// Output is the turn's answer.
type Output struct {
	Text      string
	ToolCalls []ToolCall
	UIActions []tools.UIAction
	Degraded  bool
	Source    string
	Notes     []string
	Usage     llm.Usage
}

// ErrNoAnswer is returned when no model in the chain could answer.
var ErrNoAnswer = errors.New("agent: no model could answer")

// Run answers in. emit may be nil.
func (a *Agent) Run(ctx context.Context, in Input, emit Emitter) (*Output, error) {
	if emit == nil {
		emit = nopEmitter{}
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.TurnDeadline)
	defer cancel()
	if out, ok := a.answerPending(ctx, in); ok {
		return out, nil
	}
	t := &turn{agent: a, in: in, emit: emit}
	req, notes, err := a.buildRequest(ctx, in, &t.room)
	if err != nil {
		return nil, err
	}
	t.notices = notes
	t.out = &t.output
	t.delta = t.onDelta
	t.calls = t.callsBuf[:0]
	if err := t.loop(ctx, req); err != nil {
		return nil, err
	}
	t.finish()
	return t.out, nil
}

type turn struct {
	agent    *Agent
	in       Input
	emit     Emitter
	out      *Output // &output
	output   Output
	delta    llm.DeltaFunc // onDelta, made once for every round
	mu       sync.Mutex
	banners  []string
	notices  []string // always shown (a long conversation)
	streamed bool
	calls    []toolCount // tool calls of the turn so far, by tool
	callsBuf [2]toolCount

	toolCallsBuf [1]ToolCall       // first backing of out.ToolCalls
	uiActionsBuf [1]tools.UIAction // first backing of out.UIActions
	resultBuf    [1]llm.Block      // the tool_result block of the first round of one call
	resultUsed   bool
	room         requestRoom // the turn's request
}

// toolCount is how many calls of a tool a turn has made.
type toolCount struct {
	tool string
	n    int
}

func (t *turn) loop(ctx context.Context, req *llm.Request) error {
	a := t.agent
	for round := 0; ; round++ {
		if round == a.cfg.MaxRounds {
			req.Tools = nil // one last call without tools: the model must answer with what it has
		}
		resp, err := a.model.Generate(ctx, req, t.delta)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNoAnswer, err)
		}
		t.account(resp)
		calls := resp.ToolCalls()
		if len(calls) == 0 || round >= a.cfg.MaxRounds {
			t.out.Text = strings.TrimSpace(resp.Text())
			if len(calls) > 0 || t.out.Text == "" {
				t.out.Text = t.roundCapText()
			}
			return nil
		}
		req.Messages = append(req.Messages, llm.Message{Role: llm.RoleAssistant, Content: resp.Content})
		req.Messages = append(req.Messages, llm.Message{Role: llm.RoleUser, Content: t.runTools(ctx, calls)})
	}
}

func (t *turn) onDelta(text string) {
	t.streamed = true
	t.emit.Delta(text)
}

func (t *turn) account(resp *llm.Response) {
	t.out.Source = resp.Model
	t.out.Degraded = t.out.Degraded || resp.Degraded
	t.out.Notes = appendUnique(t.out.Notes, resp.Notes...)
	t.out.Usage.InputTokens += resp.Usage.InputTokens
	t.out.Usage.OutputTokens += resp.Usage.OutputTokens
	t.out.Usage.CacheReadTokens += resp.Usage.CacheReadTokens
	t.out.Usage.CacheWriteTokens += resp.Usage.CacheWriteTokens
}

func (t *turn) roundCapText() string {
	if len(t.out.ToolCalls) == 0 {
		return "Sorry, I couldn't put an answer together just now. Please try asking again in a moment."
	}
	names := make([]string, 0, len(t.out.ToolCalls))
	for _, c := range t.out.ToolCalls {
		names = append(names, c.Name+" ("+c.Status+")")
	}
	return "I did several steps but couldn't finish the whole request in one go. Done so far: " +
		strings.Join(names, ", ") + ". Could you tell me what you'd like next?"
}

// runTools runs the round's calls concurrently and returns their tool_result blocks in order.
func (t *turn) runTools(ctx context.Context, calls []llm.Block) []llm.Block {
	results := t.resultBlocks(len(calls))
	if len(calls) == 1 { // the common case needs no goroutine
		results[0] = t.runTool(ctx, calls[0], t.callKey(calls[0].ToolName))
		return results
	}
	keys := make([]string, len(calls))
	for i, c := range calls { // in the model's order, so a rerun names them alike
		keys[i] = t.callKey(c.ToolName)
	}
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = t.runTool(ctx, c, keys[i])
		}()
	}
	wg.Wait()
	return results
}

// resultBlocks returns room for a round's n tool results: the first round's
// one result lives in the turn.
func (t *turn) resultBlocks(n int) []llm.Block {
	if n == 1 && !t.resultUsed {
		t.resultUsed = true
		return t.resultBuf[:]
	}
	return make([]llm.Block, n)
}

// callKey names a call within the turn by its tool and how many calls of
// that tool came before it ("create_expense#2"), which a rerun of the turn
// repeats even when the model words the arguments differently.
func (t *turn) callKey(tool string) string {
	i := 0
	for i < len(t.calls) && t.calls[i].tool != tool {
		i++
	}
	if i == len(t.calls) {
		t.calls = append(t.calls, toolCount{tool: tool})
	}
	t.calls[i].n++
	return tool + "#" + strconv.Itoa(t.calls[i].n)
}

func (t *turn) runTool(ctx context.Context, c llm.Block, key string) llm.Block {
	t.emit.Tool(c.ToolName, "running")
	if t.in.Authorize != nil {
		if err := t.in.Authorize(ctx); err != nil {
			res := tools.Result{Status: tools.StatusUnauthorized, Error: "Your session has ended; sign in again to continue."}
			t.emit.Tool(c.ToolName, string(res.Status))
			t.record(c.ToolName, &res)
			return llm.Block{Type: llm.BlockToolResult, ToolUseID: c.ToolUseID, Text: `{"status":"unauthorized","error":"the user's session has ended"}`, IsError: true}
		}
	}
	res := t.agent.tools.Execute(ctx, tools.Call{
		ID: c.ToolUseID, Tool: c.ToolName, Args: c.Input,
		UserID: t.in.UserID, Role: t.in.Role, RequestID: t.in.RequestID, ConversationID: t.in.ConversationID,
		Settings: t.in.Settings, Location: t.in.Location, Now: t.in.Now,
		ClientAddr: t.in.ClientAddr, UserAgent: t.in.UserAgent,
		TurnID: t.in.TurnID, CallKey: key, Rerun: t.in.Rerun,
	})
	t.emit.Tool(c.ToolName, string(res.Status))
	t.record(c.ToolName, &res)
	text := resultText(&res)
	// Language models get tool output fenced and scanned; the rules brain
	// cannot be steered by text, so it reads the plain result.
	if g := t.agent.guard; g != nil && t.agent.model.Name() != "rules" {
		fenced, blocked := g.Untrusted(text)
		if blocked {
			res.Status = tools.StatusFailed
			text = `{"status":"failed","error":"the result was withheld because it contained instructions aimed at the assistant"}`
		} else {
			text = fenced
		}
	}
	failed := res.Status != tools.StatusOK && res.Status != tools.StatusPartial && res.Status != tools.StatusNeedsConfirmation
	return llm.Block{Type: llm.BlockToolResult, ToolUseID: c.ToolUseID, Text: text, IsError: failed}
}

func (t *turn) record(name string, res *tools.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.out.ToolCalls == nil { // most turns make one call: its record lives in the turn
		t.out.ToolCalls = t.toolCallsBuf[:0]
	}
	t.out.ToolCalls = append(t.out.ToolCalls, ToolCall{Name: name, Status: string(res.Status)})
	if len(res.UIActions) > 0 && t.out.UIActions == nil {
		t.out.UIActions = t.uiActionsBuf[:0]
	}
	t.out.UIActions = append(t.out.UIActions, res.UIActions...)
	if res.Banner != "" {
		t.banners = appendUnique(t.banners, res.Banner)
	}
	if res.Stale {
		t.out.Degraded = true
	}
}

// finish scans the reply and adds banners and notes the user should see.
func (t *turn) finish() {
	if g := t.agent.guard; g != nil {
		// Every reply is redacted; a language model's is also checked for a
		// leaked prompt, role breaks and injected instructions.
		if t.agent.model.Name() == "rules" {
			t.out.Text = g.Redact(t.out.Text)
		} else if safe, replaced := g.CheckReply(t.out.Text, SystemPrompt); replaced {
			t.out.Text = safe
		}
	}
	if len(t.banners) > 0 {
		t.out.Degraded = true
		t.out.Text = strings.Join(t.banners, " ") + "\n\n" + t.out.Text
	}
	if t.out.Degraded && len(t.out.Notes) > 0 {
		t.out.Text += "\n\n(" + strings.Join(t.out.Notes, " ") + ")"
	}
	if len(t.notices) > 0 {
		t.out.Text += "\n\n(" + strings.Join(t.notices, " ") + ")"
		t.out.Notes = appendUnique(t.out.Notes, t.notices...)
	}
}

func appendUnique(list []string, items ...string) []string {
outer:
	for _, it := range items {
		if it == "" {
			continue
		}
		for _, have := range list {
			if have == it {
				continue outer
			}
		}
		list = append(list, it)
	}
	return list
}

type nopEmitter struct{}

func (nopEmitter) Delta(string)        {}
func (nopEmitter) Tool(string, string) {}
