package tools

import (
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// TestHotPathAllocations holds the per-call work of the tool path to its
// allocation counts: each of these runs on every tool call.
func TestHotPathAllocations(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under the race detector and coverage")
	}
	schemas, err := os.ReadFile("testdata/args_schemas.txt")
	if err != nil {
		t.Fatal(err)
	}
	quick := compileQuickArgs(json.RawMessage(splitLines(string(schemas))[0]))
	args := []byte(`{"amount":"12.25","category":"groceries","merchant":"Walmart"}`)
	inputs := map[string]string{"amount": "12.25", "currency": "USD"}
	tests := []struct {
		name string
		max  float64
		run  func()
	}{
		{"quick argument check", 0, func() { quick.accepts(args) }},
		{"ledger args", 1, func() { ledgerArgs("create_expense", inputs, "12.25 USD") }},
	}
	for _, tc := range tests {
		if got := testing.AllocsPerRun(100, tc.run); got > tc.max {
			t.Errorf("%s: %v allocations, want at most %v", tc.name, got, tc.max)
		}
	}
}

func TestLedgerArgsManyInputs(t *testing.T) {
	inputs := map[string]string{}
	for i := range 20 {
		inputs["k"+strconv.Itoa(i)] = strconv.Itoa(i * i)
	}
	got := ledgerArgs("sum", inputs, "1")
	if want := mustJSON(map[string]any{"tool": "sum", "inputs": inputs, "result": "1"}); string(got) != string(want) {
		t.Errorf("ledgerArgs\n got %s\nwant %s", got, want)
	}
}
