package rules

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Dates and amounts appended where they render spell what str(isoDate(…))
// and str(amountString(…)) spelled.
func FuzzArgsDateAndAmountMatchStr(f *testing.F) {
	f.Add(int64(1732406400), "12.25")
	f.Add(int64(-62135596800), "1200")
	f.Add(int64(253402300800), "-0.5")
	f.Add(int64(0), "1e20")
	f.Add(int64(1), "-12.30")
	f.Add(int64(1), "123456789012345678901")
	f.Fuzz(func(t *testing.T, unix int64, num string) {
		d := time.Unix(unix, 0).UTC()
		if got, want := string(newArgs().date("date", d).json()), string(newArgs().str("date", isoDate(d)).json()); got != want {
			t.Fatalf("date %v: %s, str %s", d, got, want)
		}
		v, err := decimal.NewFromString(num)
		if err != nil {
			return
		}
		if got, want := string(newArgs().amount("amount", v).json()), string(newArgs().str("amount", amountString(v)).json()); got != want {
			t.Fatalf("amount %v: %s, str %s", v, got, want)
		}
	})
}

// create_expense's arguments cost one allocation, the buffer they are built in.
func TestExpenseArgsAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	u := newUtterance("I spent $12.25 on groceries at Walmart")
	a := amount{value: decimal.New(1225, -2), currency: "USD"}
	date := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	if n := testing.AllocsPerRun(100, func() { _ = u.expenseArgs(a, date) }); n > 1 {
		t.Fatalf("expenseArgs: %v allocations, want 1", n)
	}
}
