// Package rules is PAM's offline, deterministic brain: it understands the common
// requests of an RV traveller (expenses, budgets, fuel, trips, weather, calendar,
// maintenance, settings) with hand-written parsers and answers exactly like a
// language model, through tool calls and then a reply composed from the tools'
// results. It needs no network and no model, so PAM degrades to it when every
// configured model is down, and it is the default model when none is configured.
package rules

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/llm"
)

// Options configures the rules brain.
type Options struct {
	// Now is used when a request carries no UserContext.Now; nil means time.Now.
	Now func() time.Time
	// Towns names the town nearest the user when a trip has no starting point;
	// nil means the embedded gazetteer (geo.DefaultGazetteer), loaded on first use.
	Towns Towns
}

// Towns finds the nearest named town to a position (geo.Gazetteer implements it).
type Towns interface {
	Nearest(p geo.Point, minPop int, maxKm float64) (geo.Place, float64, bool)
}

// Model is the rules brain. It is safe for concurrent use.
type Model struct {
	now   func() time.Time
	towns func() Towns
}

var _ llm.Model = (*Model)(nil)

// New returns the rules brain.
func New(opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Model{now: opts.Now, towns: func() Towns { return opts.Towns }}
	if opts.Towns == nil {
		m.towns = sync.OnceValue(func() Towns {
			g, err := geo.DefaultGazetteer()
			if err != nil {
				return nil // without towns a trip needs a named start
			}
			return g
		})
	}
	return m
}

// Name is "rules".
func (m *Model) Name() string { return "rules" }

// Generate answers req: tool calls for a new user message, or the final reply
// composed from tool results when the last message carries them.
func (m *Model) Generate(ctx context.Context, req *llm.Request, onDelta llm.DeltaFunc) (resp *llm.Response, err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	// One allocation holds the response and its first block: most answers have one.
	r := &struct {
		resp  llm.Response
		first [1]llm.Block
	}{resp: llm.Response{Model: m.Name(), StopReason: llm.StopEnd}}
	resp = &r.resp
	resp.Content = r.first[:0]
	defer func() {
		// The rules brain must answer whatever arrives; a parser bug becomes the help text.
		if r := recover(); r != nil {
			resp, err = &llm.Response{Model: m.Name(), StopReason: llm.StopEnd,
				Content: []llm.Block{{Type: llm.BlockText, Text: notUnderstood}}}, nil
		}
	}()
	if req == nil || len(req.Messages) == 0 {
		return textResponse(resp, helpText, onDelta), nil
	}
	last := req.Messages[len(req.Messages)-1]
	if hasToolResults(last) {
		return textResponse(resp, compose(req.Messages), onDelta), nil
	}
	p := m.understand(last.Text(), req.User)
	if len(p.calls) == 0 {
		if text, ok := completedRequest(req.Messages); ok {
			if p2 := m.understand(text, req.User); len(p2.calls) > 0 {
				p = p2
			}
		}
	}
	if len(p.calls) == 0 {
		return textResponse(resp, p.text, onDelta), nil
	}
	for _, c := range p.calls {
		if !offered(req.Tools, c.name) {
			return textResponse(resp, unavailableText(c.name), onDelta), nil
		}
	}
	n := countToolUses(req.Messages)
	if len(p.calls) > cap(resp.Content) {
		resp.Content = make([]llm.Block, 0, len(p.calls))
	}
	for _, c := range p.calls {
		n++
		resp.Content = append(resp.Content, llm.Block{Type: llm.BlockToolUse, ToolUseID: toolUseID(n), ToolName: c.name, Input: c.input})
	}
	resp.StopReason = llm.StopToolUse
	return resp, nil
}

// toolUseIDs are the ids of a conversation's first tool calls, made once.
var toolUseIDs = func() (ids [32]string) {
	for n := range ids {
		ids[n] = "rules_" + strconv.Itoa(n)
	}
	return ids
}()

// toolUseID names the n-th tool call of a conversation "rules_<n>".
func toolUseID(n int) string {
	if n >= 0 && n < len(toolUseIDs) {
		return toolUseIDs[n]
	}
	return "rules_" + strconv.Itoa(n)
}

// textResponse makes resp (its content empty) answer text.
func textResponse(resp *llm.Response, text string, onDelta llm.DeltaFunc) *llm.Response {
	resp.Content = append(resp.Content[:0], llm.Block{Type: llm.BlockText, Text: text})
	resp.StopReason = llm.StopEnd
	if onDelta != nil {
		onDelta(text)
	}
	return resp
}

func hasToolResults(m llm.Message) bool {
	for _, b := range m.Content {
		if b.Type == llm.BlockToolResult {
			return true
		}
	}
	return false
}

func offered(defs []llm.ToolDef, name string) bool {
	for _, d := range defs {
		if d.Name == name {
			return true
		}
	}
	return false
}

// countToolUses counts earlier tool calls so new ids never repeat within a conversation.
func countToolUses(msgs []llm.Message) int {
	n := 0
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.Type == llm.BlockToolUse {
				n++
			}
		}
	}
	return n
}

// understand reads a user message into tool calls or a direct text answer.
func (m *Model) understand(text string, user llm.UserContext) plan {
	now := user.Now
	if now.IsZero() {
		now = m.now()
	}
	// One allocation holds the turn and its utterance.
	r := &struct {
		turn
		room utteranceRoom
	}{turn: turn{
		c:     clock{now: now, monthFirst: user.Currency == "" || user.Currency == "USD"},
		user:  user,
		towns: m.towns,
	}}
	t := &r.turn
	t.u = r.room.init(text)
	if len(t.u.toks) == 0 {
		return say(helpText)
	}
	for _, in := range intents {
		t.u.used = uint128{} // an intent that declines leaves no marks for the next
		if p, ok := in(t); ok {
			return p
		}
	}
	return say(notUnderstood)
}
