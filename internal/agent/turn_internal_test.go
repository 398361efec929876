package agent

import (
	"context"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

func TestCallKeyCountsEachToolsCalls(t *testing.T) {
	a := &Agent{}
	for range 2 { // a second turn counts afresh
		tr := &turn{agent: a}
		tr.calls = tr.callsBuf[:0]
		var got []string
		for _, tool := range []string{"a", "b", "a", "c", "a", "d", "b"} {
			got = append(got, tr.callKey(tool))
		}
		if want := "a#1 b#1 a#2 c#1 a#3 d#1 b#2"; strings.Join(got, " ") != want {
			t.Fatalf("keys %q, want %q", got, want)
		}
	}
}

// refYesOrNo is yesOrNo before its first-letter shortcut.
func refYesOrNo(text string) (yes, no bool) {
	text = strings.ToLower(strings.TrimSpace(text))
	return affirmative.MatchString(text), negative.MatchString(text)
}

func FuzzYesOrNoMatchesReference(f *testing.F) {
	for _, s := range []string{"yes", " Yes! ", "OK.", "Okay", "sure", "please do", "Do it", "go ahead", "y", "n", "No",
		"nope", "Cancel", "don't", "Do not", "STOP", "never mind", "I spent $12 on food", "", " ", "\u212aay", "İ", "yes please", "Y E S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y1, n1 := yesOrNo(s)
		y2, n2 := refYesOrNo(s)
		if y1 != y2 || n1 != n2 {
			t.Fatalf("yesOrNo(%q) = %v %v, reference %v %v", s, y1, n1, y2, n2)
		}
	})
}

func TestYesOrNoSkipsLowerCasingOtherMessages(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { yesOrNo("I spent $12.25 on groceries at Walmart") }); n != 0 {
		t.Fatalf("yesOrNo of an ordinary message: %v allocations, want 0", n)
	}
}

type namedModel struct{ llm.Model }

func (namedModel) Name() string { return "rules" }

type pickedTools struct{ picked []*tools.Tool }

func (p *pickedTools) Definitions(string, func(string) bool) []*tools.Tool {
	return append([]*tools.Tool(nil), p.picked...)
}
func (p *pickedTools) Execute(context.Context, tools.Call) tools.Result { return tools.Result{} }

// The rules brain's turns share the tool definitions while they are offered
// the same tools, and get new ones when the tools change.
func TestToolDefsSharedWhileToolsAreTheSame(t *testing.T) {
	one, two := &tools.Tool{Name: "one", Description: "first"}, &tools.Tool{Name: "two", Description: "second"}
	pt := &pickedTools{picked: []*tools.Tool{one, two}}
	a := New(namedModel{}, pt, nil, nil, nil, Config{})
	d1, d2 := a.toolDefs(store.RoleUser, "x"), a.toolDefs(store.RoleUser, "y")
	if len(d1) != 2 || d1[1].Name != "two" || &d1[0] != &d2[0] || cap(d1) != 2 {
		t.Fatalf("defs %+v and %+v not shared", d1, d2)
	}
	pt.picked = []*tools.Tool{two}
	if d3 := a.toolDefs(store.RoleUser, "x"); len(d3) != 1 || d3[0].Name != "two" || d3[0].Description != "second" {
		t.Fatalf("defs after the tools changed: %+v", d3)
	}
}
