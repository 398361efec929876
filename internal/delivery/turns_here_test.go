package delivery

import (
	"encoding/json"
	"testing"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/protocol"
)

func TestTurnsHere(t *testing.T) {
	var h turnsHere
	if !h.start("t1") || h.start("t1") || !h.isRunning("t1") {
		t.Fatal("a turn started twice, or not running")
	}
	h.done("t1")
	if h.isRunning("t1") || !h.start("t1") {
		t.Fatal("a finished turn still running")
	}
	h.done("t1")

	h.accept("t2", []string{"extraction"})
	if !h.remembered("t2") || !h.takeFresh("t2") || h.takeFresh("t2") {
		t.Fatal("an accepted turn is not fresh exactly once")
	}
	if a, ok := h.take("t2"); !ok || len(a.flagged) != 1 || h.remembered("t2") {
		t.Fatalf("take: %+v %v", a, ok)
	}
	if h.takeFresh("t3") {
		t.Fatal("a turn not accepted here is fresh")
	}
	if raceEnabled {
		return
	}
	// Once the maps have grown, a turn accepted and run here allocates nothing.
	if n := testing.AllocsPerRun(100, func() {
		h.accept("t4", nil)
		h.start("t4")
		h.takeFresh("t4")
		h.take("t4")
		h.done("t4")
	}); n != 0 {
		t.Fatalf("a turn's bookkeeping: %v allocations, want 0", n)
	}
}

// The stored meta of a user message and the answer's records are what
// encoding/json made of them before they were built in place.
func TestTurnMetaAndRecordsEncodeAsBefore(t *testing.T) {
	for _, flagged := range [][]string{nil, {}, {"extraction"}, {"a<b", "c"}} {
		want, _ := json.Marshal(turnMeta{Flagged: flagged})
		if got := turnMetaJSON(flagged); string(got) != string(want) {
			t.Fatalf("turnMetaJSON(%q) = %s, want %s", flagged, got, want)
		}
	}
	var tcBuf [1]protocol.ToolCall
	var uiBuf [1]protocol.UIAction
	for _, n := range []int{0, 1, 3} {
		var in []agent.ToolCall
		var ui []tools.UIAction
		for i := range n {
			in = append(in, agent.ToolCall{Name: "t" + string(rune('a'+i)), Status: "ok"})
			ui = append(ui, tools.UIAction{Type: "reload_expenses", EntityID: "e"})
		}
		calls, actions := toolCalls(tcBuf[:0], in), uiActions(uiBuf[:0], ui)
		if calls == nil || actions == nil || len(calls) != n || len(actions) != n {
			t.Fatalf("%d records: %v %v", n, calls, actions)
		}
		for i := range n {
			if calls[i] != (protocol.ToolCall{Name: in[i].Name, Status: in[i].Status}) || actions[i] != protocol.UIAction(ui[i]) {
				t.Fatalf("record %d: %+v %+v", i, calls[i], actions[i])
			}
		}
	}
}

// remembered reports whether turn id is remembered as accepted here.
func (h *turnsHere) remembered(id string) bool {
	h.mu.Lock()
	_, ok := h.accepted[id]
	h.mu.Unlock()
	return ok
}
