package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// scripted is a model whose answers are a function of the request; it records requests.
type scripted struct {
	mu    sync.Mutex
	reqs  []*llm.Request
	reply func(n int, req *llm.Request) *llm.Response
}

func (s *scripted) Name() string { return "test:scripted" }

func (s *scripted) Generate(_ context.Context, req *llm.Request, onDelta llm.DeltaFunc) (*llm.Response, error) {
	s.mu.Lock()
	cp := *req
	cp.Messages = append([]llm.Message(nil), req.Messages...)
	s.reqs = append(s.reqs, &cp)
	n := len(s.reqs)
	s.mu.Unlock()
	resp := s.reply(n, req)
	if onDelta != nil && resp.Text() != "" {
		onDelta(resp.Text())
	}
	resp.Model = "test:scripted"
	return resp, nil
}

func toolUse(id, name, input string) llm.Block {
	return llm.Block{Type: llm.BlockToolUse, ToolUseID: id, ToolName: name, Input: json.RawMessage(input)}
}

func text(s string) *llm.Response {
	return &llm.Response{Content: []llm.Block{{Type: llm.BlockText, Text: s}}, StopReason: llm.StopEnd}
}

func calls(bs ...llm.Block) *llm.Response {
	return &llm.Response{Content: bs, StopReason: llm.StopToolUse}
}

// executor returns a real executor with a slow "echo" tool and a "whoami" tool.
func executor(t *testing.T, running *int32, maxRunning *int32) *tools.Executor {
	reg := tools.NewRegistry()
	reg.MustRegister(tools.Tool{
		Name: "echo", Description: "echo text back", Category: tools.CategoryKnowledge,
		Parameters: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"],"additionalProperties":false}`),
		Handler: func(ctx context.Context, c *tools.Call) (*tools.Result, error) {
			n := atomic.AddInt32(running, 1)
			for {
				m := atomic.LoadInt32(maxRunning)
				if n <= m || atomic.CompareAndSwapInt32(maxRunning, m, n) {
					break
				}
			}
			time.Sleep(30 * time.Millisecond)
			atomic.AddInt32(running, -1)
			var a struct{ Text string }
			_ = json.Unmarshal(c.Args, &a)
			return &tools.Result{Status: tools.StatusOK, Data: map[string]string{"echo": a.Text, "user": c.UserID}, Summary: "echoed " + a.Text}, nil
		},
	})
	return tools.NewExecutor(reg, tools.ExecutorOptions{})
}

func input() agent.Input {
	return agent.Input{UserID: "u1", Role: store.RoleUser, Text: "echo please", Settings: store.DefaultSettings(), Now: time.Now()}
}

func TestParallelToolsAndSeveralRounds(t *testing.T) {
	var running, maxRunning int32
	m := &scripted{reply: func(n int, req *llm.Request) *llm.Response {
		switch n {
		case 1:
			return calls(toolUse("a", "echo", `{"text":"one"}`), toolUse("b", "echo", `{"text":"two"}`), toolUse("c", "echo", `{"text":"three"}`))
		case 2:
			return calls(toolUse("d", "echo", `{"text":"four"}`))
		default:
			return text("all done")
		}
	}}
	a := agent.New(m, executor(t, &running, &maxRunning), nil, nil, nil, agent.Config{})
	out, err := a.Run(context.Background(), input(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Text != "all done" || len(out.ToolCalls) != 4 {
		t.Fatalf("out = %+v", out)
	}
	if maxRunning < 2 {
		t.Errorf("tool calls of one round ran one at a time (max concurrent %d)", maxRunning)
	}
	// Round 2's request carries round 1's three results, in order, with the system prompt.
	r2 := m.reqs[1]
	if r2.System != agent.SystemPrompt || !strings.Contains(r2.Context, "<user_context>") {
		t.Fatalf("system prompt or context lost on round 2")
	}
	last := r2.Messages[len(r2.Messages)-1]
	if len(last.Content) != 3 || last.Content[0].ToolUseID != "a" || !strings.Contains(last.Content[2].Text, "three") {
		t.Fatalf("tool results not fed back: %+v", last)
	}
	if len(m.reqs) != 3 {
		t.Fatalf("model called %d times, want 3", len(m.reqs))
	}
}

func TestUnknownToolAndBadArgsAreFedBack(t *testing.T) {
	var running, maxRunning int32
	m := &scripted{reply: func(n int, req *llm.Request) *llm.Response {
		if n == 1 {
			return calls(toolUse("x", "launch_rocket", `{}`), toolUse("y", "echo", `{"text":5}`))
		}
		return text("sorry about that")
	}}
	a := agent.New(m, executor(t, &running, &maxRunning), nil, nil, nil, agent.Config{})
	out, err := a.Run(context.Background(), input(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := m.reqs[1].Messages[len(m.reqs[1].Messages)-1].Content
	if !res[0].IsError || !strings.Contains(res[0].Text, "invalid_arguments") || !res[1].IsError {
		t.Fatalf("errors not fed back as tool errors: %+v", res)
	}
	if out.Text != "sorry about that" {
		t.Fatalf("turn did not go on: %+v", out)
	}
}

func TestRoundCapEndsPolitely(t *testing.T) {
	var running, maxRunning int32
	m := &scripted{reply: func(n int, req *llm.Request) *llm.Response {
		return calls(toolUse(fmt.Sprint("t", n), "echo", `{"text":"again"}`))
	}}
	a := agent.New(m, executor(t, &running, &maxRunning), nil, nil, nil, agent.Config{MaxRounds: 3})
	out, err := a.Run(context.Background(), input(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.reqs) != 4 || len(m.reqs[3].Tools) != 0 {
		t.Fatalf("model calls = %d (last with %d tools); want 3 rounds then one tool-less call", len(m.reqs), len(m.reqs[len(m.reqs)-1].Tools))
	}
	if !strings.Contains(out.Text, "couldn't finish") {
		t.Fatalf("reply = %q", out.Text)
	}
}

func TestIdentityComesFromTheSession(t *testing.T) {
	var running, maxRunning int32
	m := &scripted{reply: func(n int, req *llm.Request) *llm.Response {
		if n == 1 {
			return calls(toolUse("a", "echo", `{"text":"hi"}`))
		}
		return text("ok")
	}}
	a := agent.New(m, executor(t, &running, &maxRunning), nil, nil, nil, agent.Config{})
	in := input()
	in.UserID = "the-real-user"
	if _, err := a.Run(context.Background(), in, nil); err != nil {
		t.Fatal(err)
	}
	if got := m.reqs[1].Messages[len(m.reqs[1].Messages)-1].Content[0].Text; !strings.Contains(got, `"user":"the-real-user"`) {
		t.Fatalf("tool saw %s", got)
	}
}

type fakeHistory struct{ msgs []store.Message }

func (h *fakeHistory) RecentMessages(_ context.Context, _, _ string, limit int) ([]store.Message, error) {
	if len(h.msgs) > limit {
		return h.msgs[len(h.msgs)-limit:], nil
	}
	return h.msgs, nil
}

func (h *fakeHistory) CountMessages(context.Context, string, string) (int, error) {
	return len(h.msgs), nil
}

func TestLongHistoryIsSummarized(t *testing.T) {
	h := &fakeHistory{}
	for i := 0; i < 30; i++ {
		h.msgs = append(h.msgs,
			store.Message{ID: fmt.Sprint("u", i), Role: store.MessageUser, Content: fmt.Sprintf("Question number %d about Moab. More words.", i)},
			store.Message{ID: fmt.Sprint("a", i), Role: store.MessageAssistant, Content: fmt.Sprintf("Answer number %d.", i)})
	}
	m := &scripted{reply: func(_ int, req *llm.Request) *llm.Response {
		if strings.HasPrefix(req.System, "You summarize") {
			return text("SUMMARY: thirty questions about Moab")
		}
		return text("fine")
	}}
	var running, maxRunning int32
	a := agent.New(m, executor(t, &running, &maxRunning), h, nil, nil, agent.Config{HistoryExchanges: 20, KeepExchanges: 5})
	in := input()
	in.ConversationID = "c1"
	for i := 0; i < 2; i++ { // the second turn reuses the cached summary
		if _, err := a.Run(context.Background(), in, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(m.reqs) != 3 {
		t.Fatalf("model called %d times, want 1 summary + 2 turns", len(m.reqs))
	}
	if got := m.reqs[0].Messages[0].Text(); !strings.Contains(got, "Question number 3 about Moab.") || strings.Contains(got, "More words") {
		t.Fatalf("summary request is not the extractive digest: %q", got)
	}
	msgs := m.reqs[2].Messages
	if !strings.Contains(msgs[0].Text(), "<conversation_summary>") || !strings.Contains(msgs[0].Text(), "SUMMARY: thirty questions") {
		t.Fatalf("no model summary first: %q", msgs[0].Text())
	}
	// summary pair + 5 kept exchanges + the new message
	if len(msgs) != 2+10+1 {
		t.Fatalf("sent %d messages, want 13", len(msgs))
	}
}

// Above 90 % of the model's context window the older history is folded into
// a summary before sending; above 75 % the reply carries a notice.
func TestNearlyFullWindowIsSummarized(t *testing.T) {
	h := &fakeHistory{}
	long := strings.Repeat("We talked about the road to Moab at length. ", 180) // ~8 KB
	for i := 0; i < 10; i++ {
		h.msgs = append(h.msgs,
			store.Message{ID: fmt.Sprint("u", i), Role: store.MessageUser, Content: fmt.Sprintf("Question %d. ", i) + long},
			store.Message{ID: fmt.Sprint("a", i), Role: store.MessageAssistant, Content: fmt.Sprintf("Answer %d. ", i) + long})
	}
	m := &scripted{reply: func(int, *llm.Request) *llm.Response { return text("fine") }}
	var running, maxRunning int32
	a := agent.New(m, executor(t, &running, &maxRunning), h, nil, nil, agent.Config{})
	in := input()
	in.ConversationID = "c1"
	out, err := a.Run(context.Background(), in, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := m.reqs[0]
	if got := llm.EstimateTokens(req); got*10 > llm.ContextWindow(m.Name())*9 {
		t.Fatalf("request still %d tokens of %d", got, llm.ContextWindow(m.Name()))
	}
	if !strings.Contains(req.Messages[0].Text(), "<conversation_summary>") || !strings.Contains(req.Messages[0].Text(), "Question 0.") {
		t.Fatalf("older history not summarized: %.200q", req.Messages[0].Text())
	}
	if last := req.Messages[len(req.Messages)-1].Text(); last != in.Text {
		t.Fatalf("the new message was not sent last: %.80q", last)
	}
	if !strings.Contains(out.Text, "getting long") {
		t.Errorf("no long-conversation notice in %q", out.Text)
	}
}

// Each call is keyed by its tool and how many calls of that tool the turn
// made before it, across rounds, so a rerun of the turn names them alike.
func TestCallKeysCountPerToolAcrossRounds(t *testing.T) {
	reg := tools.NewRegistry()
	var mu sync.Mutex
	var keys []string
	for _, name := range []string{"ta", "tb", "tc"} {
		reg.MustRegister(tools.Tool{
			Name: name, Description: "record the call key", Category: tools.CategoryKnowledge,
			Parameters: json.RawMessage(`{"type":"object","properties":{}}`),
			Handler: func(_ context.Context, c *tools.Call) (*tools.Result, error) {
				mu.Lock()
				keys = append(keys, c.CallKey)
				mu.Unlock()
				return &tools.Result{Status: tools.StatusOK, Summary: "ok"}, nil
			},
		})
	}
	m := &scripted{reply: func(n int, req *llm.Request) *llm.Response {
		switch n {
		case 1:
			return calls(toolUse("1", "ta", `{}`))
		case 2:
			return calls(toolUse("2", "tb", `{}`), toolUse("3", "ta", `{}`))
		case 3:
			return calls(toolUse("4", "tc", `{}`), toolUse("5", "ta", `{}`), toolUse("6", "tb", `{}`))
		}
		return text("done")
	}}
	a := agent.New(m, tools.NewExecutor(reg, tools.ExecutorOptions{}), nil, nil, nil, agent.Config{})
	out, err := a.Run(context.Background(), input(), nil)
	if err != nil || out.Text != "done" {
		t.Fatalf("run: %+v %v", out, err)
	}
	mu.Lock()
	defer mu.Unlock()
	got := append([]string(nil), keys...)
	sort.Strings(got)
	if want := "ta#1 ta#2 ta#3 tb#1 tb#2 tc#1"; strings.Join(got, " ") != want {
		t.Fatalf("call keys %q, want %q", got, want)
	}
	// The model saw every round's messages, in order, after the user's.
	last := m.reqs[len(m.reqs)-1]
	if len(last.Messages) != 7 || last.Messages[0].Text() != "echo please" {
		t.Fatalf("last request messages: %d", len(last.Messages))
	}
}

// The turn's output lists every call and every UI action in order, and no
// UI actions (nil) when no tool asked for one.
func TestOutputRecordsCallsAndUIActions(t *testing.T) {
	reg := tools.NewRegistry()
	for _, name := range []string{"plain", "reloads"} {
		reg.MustRegister(tools.Tool{
			Name: name, Description: "a tool", Category: tools.CategoryKnowledge,
			Parameters: json.RawMessage(`{"type":"object","properties":{}}`),
			Handler: func(_ context.Context, c *tools.Call) (*tools.Result, error) {
				res := &tools.Result{Status: tools.StatusOK, Summary: "ok"}
				if c.Tool == "reloads" {
					res.UIActions = []tools.UIAction{{Type: "reload_expenses", EntityID: c.CallKey}, {Type: "reload_budgets"}}
				}
				return res, nil
			},
		})
	}
	script := func(rounds ...*llm.Response) *scripted {
		return &scripted{reply: func(n int, req *llm.Request) *llm.Response {
			if n <= len(rounds) {
				return rounds[n-1]
			}
			return text("done")
		}}
	}
	exec := tools.NewExecutor(reg, tools.ExecutorOptions{})
	out, err := agent.New(script(calls(toolUse("1", "plain", `{}`))), exec, nil, nil, nil, agent.Config{}).Run(context.Background(), input(), nil)
	if err != nil || len(out.ToolCalls) != 1 || out.ToolCalls[0] != (agent.ToolCall{Name: "plain", Status: "ok"}) || out.UIActions != nil {
		t.Fatalf("one plain call: %+v %v", out, err)
	}
	out, err = agent.New(script(calls(toolUse("1", "reloads", `{}`)), calls(toolUse("2", "plain", `{}`)), calls(toolUse("3", "reloads", `{}`))),
		exec, nil, nil, nil, agent.Config{}).Run(context.Background(), input(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names, actions []string
	for _, c := range out.ToolCalls {
		names = append(names, c.Name+":"+c.Status)
	}
	for _, a := range out.UIActions {
		actions = append(actions, a.Type+":"+a.EntityID)
	}
	if got := strings.Join(names, " "); got != "reloads:ok plain:ok reloads:ok" {
		t.Fatalf("calls %q", got)
	}
	if got := strings.Join(actions, " "); got != "reload_expenses:reloads#1 reload_budgets: reload_expenses:reloads#2 reload_budgets:" {
		t.Fatalf("UI actions %q", got)
	}
}

// Rounds of one call each feed back every result as it was: the first
// round's, which lives in the turn, is not overwritten by later ones, and
// the first message of a conversation keeps its text as the request grows.
func TestOneCallRoundsKeepEachResult(t *testing.T) {
	var running, maxRunning int32
	m := &scripted{reply: func(n int, req *llm.Request) *llm.Response {
		if n <= 3 {
			return calls(toolUse(strconv.Itoa(n), "echo", `{"text":"round `+strconv.Itoa(n)+`"}`))
		}
		return text("done")
	}}
	a := agent.New(m, executor(t, &running, &maxRunning), nil, nil, nil, agent.Config{})
	for range 2 {
		out, err := a.Run(context.Background(), input(), nil)
		if err != nil || out.Text != "done" {
			t.Fatalf("run: %+v %v", out, err)
		}
		last := m.reqs[len(m.reqs)-1]
		if len(last.Messages) != 7 || last.Messages[0].Text() != "echo please" {
			t.Fatalf("last request: %d messages, first %q", len(last.Messages), last.Messages[0].Text())
		}
		for i, n := 2, 1; i < 7; i, n = i+2, n+1 {
			res := last.Messages[i].Content
			if len(res) != 1 || res[0].ToolUseID != strconv.Itoa(n) || !strings.Contains(res[0].Text, "round "+strconv.Itoa(n)) {
				t.Fatalf("round %d result: %+v", n, res)
			}
		}
		m.reqs = nil
	}
}
