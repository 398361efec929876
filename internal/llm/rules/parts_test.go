package rules

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// Each part of a message with several amounts becomes its own expense, past
// the room made for two parts and for the first sixteen words.
func TestManyPartsEachBecomeAnExpense(t *testing.T) {
	resp := generate(t, userRequest("yesterday I spent 10 on food and 20.50 on gas at the Shell station on the corner and 30 on parking and 40 on camping", testUser()))
	var amounts []string
	for _, b := range resp.Content {
		if b.Type != "tool_use" || b.ToolName != "create_expense" {
			t.Fatalf("block %+v", b)
		}
		var a struct{ Amount string }
		if err := json.Unmarshal(b.Input, &a); err != nil {
			t.Fatal(err)
		}
		amounts = append(amounts, a.Amount)
	}
	if got := strings.Join(amounts, " "); got != "10 20.50 30 40" {
		t.Fatalf("amounts %q", got)
	}
}

// One expense message is understood with few allocations: the tokens live
// with the utterance, a one-part message is not copied into a part.
func TestExpenseMessageAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	m := New(Options{})
	req := userRequest("I spent $12.25 on groceries at Walmart", testUser())
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _, _ = m.Generate(ctx, req, nil) }); n > maxExpenseAllocs {
		t.Fatalf("Generate: %v allocations, want at most %d", n, maxExpenseAllocs)
	}
}

// maxExpenseAllocs is what Generate allocates for the message above (18 before the tokens moved in with the utterance, 15 before the arguments were appended where they render, 12 before the response held its first block, 11 before the turn held its utterance and the parts stayed on the stack, 9 before the expense intent read its words before its amounts).
const maxExpenseAllocs = 7
