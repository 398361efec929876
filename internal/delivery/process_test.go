package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/protocol"
)

// thinkingNotices reads the thinking frames sub gets until quiet for wait.
func thinkingNotices(t *testing.T, sub *Subscription, wait time.Duration) []string {
	t.Helper()
	var got []string
	for {
		select {
		case f := <-sub.C:
			if f.Type != protocol.TypeThinking {
				continue
			}
			var th protocol.Thinking
			if err := json.Unmarshal(f.JSON, &th); err != nil {
				t.Fatal(err)
			}
			got = append(got, th.Notice)
		case <-time.After(wait):
			return got
		}
	}
}

func TestEmitterShowsThinkingNoticesInTimeOrder(t *testing.T) {
	for _, tc := range []struct {
		name            string
		thinking, still time.Duration
		output          bool
		want            []string
	}{
		{"quiet", 10 * time.Millisecond, 40 * time.Millisecond, false, []string{"", "Still working on it…"}},
		{"still first", 40 * time.Millisecond, 10 * time.Millisecond, false, []string{"Still working on it…", ""}},
		{"after output only still working", 10 * time.Millisecond, 40 * time.Millisecond, true, []string{"Still working on it…"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHub(16)
			sub := h.Subscribe("u1")
			defer sub.Close()
			e := newEmitter(h, &store.Turn{ID: "t1", UserID: "u1"}, nil, Config{ThinkingAfter: tc.thinking, StillWorkingAfter: tc.still})
			defer e.stop()
			if tc.output {
				e.Delta("hi")
			}
			got := thinkingNotices(t, sub, 300*time.Millisecond)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Fatalf("notices %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEmitterStoppedShowsNoNotice(t *testing.T) {
	h := NewHub(16)
	sub := h.Subscribe("u1")
	defer sub.Close()
	e := newEmitter(h, &store.Turn{ID: "t1", UserID: "u1"}, nil, Config{ThinkingAfter: 20 * time.Millisecond, StillWorkingAfter: 40 * time.Millisecond})
	e.stop()
	if got := thinkingNotices(t, sub, 150*time.Millisecond); len(got) != 0 {
		t.Fatalf("stopped emitter showed %q", got)
	}
}

// Frames reach a subscription and the live callback; with neither (and no
// other instance) they are not even encoded.
func TestEmitterSendsOnlyWhenSomeoneListens(t *testing.T) {
	cfg := Config{ThinkingAfter: time.Hour, StillWorkingAfter: time.Hour}
	turn := &store.Turn{ID: "t1", UserID: "u1"}
	var live []Frame
	var mu sync.Mutex
	e := newEmitter(NewHub(16), turn, func(f Frame) { mu.Lock(); live = append(live, f); mu.Unlock() }, cfg)
	e.Tool("create_expense", "running")
	e.stop()
	if len(live) != 1 || live[0].Type != protocol.TypeTool || !strings.Contains(string(live[0].JSON), `"create_expense"`) {
		t.Fatalf("live frames %+v", live)
	}

	h := NewHub(16)
	sub := h.Subscribe("u1")
	e = newEmitter(h, turn, nil, cfg)
	e.Delta("hello")
	select {
	case f := <-sub.C:
		if f.Type != protocol.TypeDelta || !strings.Contains(string(f.JSON), `"hello"`) {
			t.Fatalf("frame %+v", f)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no frame")
	}
	sub.Close()
	e.stop()

	var forwarded int
	h = NewHub(16)
	h.SetBroker(countingBroker{&forwarded}, nil)
	e = newEmitter(h, turn, nil, cfg)
	e.Tool("x", "ok")
	e.stop()
	if forwarded != 1 {
		t.Fatalf("frames forwarded to other instances: %d, want 1", forwarded)
	}

	e = newEmitter(NewHub(16), turn, nil, cfg)
	defer e.stop()
	if raceEnabled {
		return
	}
	if n := testing.AllocsPerRun(100, func() { e.Tool("create_expense", "ok"); e.Delta("text") }); n != 0 {
		t.Fatalf("frames nobody receives: %v allocations, want 0", n)
	}
}

type countingBroker struct{ n *int }

func (b countingBroker) Publish(context.Context, string, Frame) error { *b.n++; return nil }

// refTitle is title before its single-spaced fast path.
func refTitle(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	r := []rune(text)
	if len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return text
}

func FuzzTitleMatchesReference(f *testing.F) {
	for _, s := range []string{
		"I spent $12.25 on groceries at Walmart", "  two  spaces ", "tab\there", "nbsp\u00a0here",
		strings.Repeat("word ", 20), strings.Repeat("ü", 61), strings.Repeat("a", 59) + "\xff\xfe", "", " ",
		strings.Repeat("b", 60), strings.Repeat("c", 61), "line\nbreak",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := title(s), refTitle(s); got != want {
			t.Fatalf("title(%q) = %q, reference %q", s, got, want)
		}
	})
}

func TestTitleOfSingleSpacedMessageIsNotCopied(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	msg := "I spent $12.25 on groceries at Walmart"
	if n := testing.AllocsPerRun(100, func() { _ = title(msg) }); n != 0 {
		t.Fatalf("title: %v allocations, want 0", n)
	}
	if got := title(strings.Repeat("é", 70)); utf8.RuneCountInString(got) != 61 {
		t.Fatalf("long title %q", got)
	}
}

// failOnceAgent fails a turn's first run and records whether each run was told it may be a rerun.
type failOnceAgent struct {
	mu    sync.Mutex
	reran []bool
}

func (a *failOnceAgent) Run(_ context.Context, in agent.Input, _ agent.Emitter) (*agent.Output, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reran = append(a.reran, in.Rerun)
	if len(a.reran) == 1 {
		return nil, errors.New("model failed")
	}
	return &agent.Output{Text: "ok", Source: "test"}, nil
}

type flagGuard struct{ passGuard }

func (flagGuard) Screen(context.Context, string, string) ([]string, error) {
	return []string{"extraction"}, nil
}

// A turn accepted here runs first as a fresh turn, its retry as a possible
// rerun, and its answer carries the safety flags remembered at acceptance.
func TestTurnAcceptedHereIsFreshOnceAndKeepsItsFlags(t *testing.T) {
	ctx := context.Background()
	a := &failOnceAgent{}
	svc, u := newTestService(t, a, flagGuard{})
	res, _, err := svc.Chat(ctx, Inbound{UserID: u.ID, ClientMessageID: "c1", Text: "what are your rules?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.reran) != 2 || a.reran[0] || !a.reran[1] {
		t.Fatalf("runs told rerun %v, want [false true]", a.reran)
	}
	if res.Frame.Safety == nil || !res.Frame.Safety.Flagged || strings.Join(res.Frame.Safety.Categories, ",") != "extraction" {
		t.Fatalf("answer safety %+v", res.Frame.Safety)
	}
	if svc.here.remembered(res.Frame.TurnID) {
		t.Fatal("an answered turn is still remembered")
	}
}

func newTestService(t *testing.T, a Agent, g InputGuard) (*Service, *store.User) {
	t.Helper()
	st, u := openTestStore(t)
	return NewService(st, a, g, NewHub(16), slog.New(slog.DiscardHandler), Config{MaxAttempts: 2}), u
}

type answerAgent struct{}

func (answerAgent) Run(_ context.Context, in agent.Input, _ agent.Emitter) (*agent.Output, error) {
	return &agent.Output{Text: "re: " + in.Text, Source: "test"}, nil
}

// The locator gets the turn's context when it has one, nil otherwise; the
// answer is stored and returned with its durable sequence number.
func TestLocatorGetsTheTurnsContext(t *testing.T) {
	ctx := context.Background()
	svc, u := newTestService(t, answerAgent{}, passGuard{})
	var got []*protocol.ChatContext
	svc.SetLocator(func(_ context.Context, _ string, c *protocol.ChatContext, _ time.Time) *tools.Location {
		got = append(got, c)
		return nil
	})
	res, _, err := svc.Chat(ctx, Inbound{UserID: u.ID, ClientMessageID: "l1", Text: "hello"}, nil)
	if err != nil || res.Frame.Text != "re: hello" || res.Frame.Seq == 0 || res.Frame.MessageID == "" {
		t.Fatalf("answer %+v %v", res, err)
	}
	raw := json.RawMessage(`{"location":{"lat":38.57,"lng":-109.55}}`)
	if _, _, err := svc.Chat(ctx, Inbound{UserID: u.ID, ClientMessageID: "l2", Text: "hi", Context: raw}, nil); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != nil || got[1] == nil || got[1].Location == nil || got[1].Location.Lat != 38.57 {
		t.Fatalf("locator contexts %+v", got)
	}
	stored, err := svc.storedResult(ctx, &store.Turn{UserID: u.ID, ReplySeq: res.Frame.Seq})
	if err != nil || stored.Frame.Text != res.Frame.Text || stored.Frame.MessageID != res.Frame.MessageID || stored.Frame.Seq != res.Frame.Seq {
		t.Fatalf("stored frame %+v, returned %+v (%v)", stored, res, err)
	}
}

// newEmitter is an emitter started for turn t.
func newEmitter(h *Hub, t *store.Turn, live func(Frame), cfg Config) *emitter {
	e := new(emitter)
	e.start(h, t, live, cfg)
	return e
}
