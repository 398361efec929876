// Package storetest owns the one contract test suite every store.Store
// implementation must pass. The SQLite and PostgreSQL packages run it against
// real databases, so both behave identically.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
)

// Run runs the contract suite; open returns a fresh, migrated store for one
// subtest (and closes it in t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Users", testUsers},
		{"DeleteUserCascades", testDeleteUserCascades},
		{"RefreshTokens", testRefreshTokens},
		{"Conversations", testConversations},
		{"FirstMessageInTx", testFirstMessageInTx},
		{"MessagesPaging", testMessagesPaging},
		{"TurnsIdempotentUnderConcurrency", testTurns},
		{"EventsGaplessUnderConcurrency", testEventsGapless},
		{"EventsReplayPruneAck", testEventsReplay},
		{"Expenses", testExpenses},
		{"ExpenseSumsExact", testExpenseSums},
		{"ExpensesCrossUser", testExpensesCrossUser},
		{"PageLimits", testPageLimits},
		{"Budgets", testBudgets},
		{"FuelAndVehicles", testFuelAndVehicles},
		{"Maintenance", testMaintenance},
		{"Trips", testTrips},
		{"Calendar", testCalendar},
		{"Savings", testSavings},
		{"Feedback", testFeedback},
		{"Usage", testUsage},
		{"Favorites", testFavorites},
		{"Knowledge", testKnowledge},
		{"AuditChain", testAudit},
		{"AuditConcurrentAppends", testAuditConcurrent},
		{"AuditBatches", testAuditBatches},
		{"DeadLetters", testDeadLetters},
		{"InTx", testInTx},
		{"InTxContext", testInTxContext},
		{"ToolResults", testToolResults},
		{"PendingActions", testPendingActions},
		{"MessagePresetID", testMessagePresetID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var userN atomic.Int64

// newUser creates a user with a unique email.
func newUser(t *testing.T, s store.Store) *store.User {
	t.Helper()
	u := &store.User{
		Email:        fmt.Sprintf("User%d.%d@Example.com", time.Now().UnixNano(), userN.Add(1)),
		DisplayName:  "Traveller",
		PasswordHash: "hash",
	}
	if err := s.CreateUser(ctxT(t), u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

func usd(s string) money.Money { return money.MustParse(s, "USD") }

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func money5EUR() money.Money { return money.MustParse("5.00", "EUR") }
