package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/audit"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/testenv"
)

// A chat turn that writes an expense appends the ledger's money row and the
// tool's row next to each other, and the chain verifies, on both databases
// (PostgreSQL keeps Args as JSONB, which re-encodes them).
func TestToolCallAuditRowsAdjacentAndVerified(t *testing.T) {
	for name, dbURL := range map[string]func() string{
		"sqlite":   func() string { return "" },
		"postgres": func() string { return testenv.StartPostgres(t).CreateDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			c := startComponents(t, map[string]string{"PAM_DATABASE_URL": dbURL()})
			tok := benchRegister(t, c.handler)
			for i := range 3 {
				body := fmt.Sprintf(`{"message":"I spent $%d.25 on groceries at Walmart <&>","client_message_id":"a%d"}`, i+1, i)
				req := httptest.NewRequest("POST", "/api/v1/chat", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				if c.handler.ServeHTTP(rec, req); rec.Code != http.StatusOK {
					t.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			checkExpenseAudit(t, c.store)
		})
	}
}

// checkExpenseAudit: every create_expense tool row follows its money row, and
// the whole chain verifies.
func checkExpenseAudit(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	var prev store.AuditRecord
	tools := 0
	err := st.ScanAudit(ctx, func(r *store.AuditRecord) error {
		if r.Kind == "tool" && r.Action == "create_expense" {
			tools++
			if prev.Kind != "money" || prev.Seq != r.Seq-1 || prev.RequestID != r.RequestID {
				return fmt.Errorf("tool row %d follows %s/%s (seq %d), want its money row", r.Seq, prev.Kind, prev.Action, prev.Seq)
			}
		}
		prev = *r
		return nil
	})
	if err != nil || tools != 3 {
		t.Fatalf("%d create_expense rows: %v", tools, err)
	}
	if n, err := audit.Verify(ctx, st); err != nil || n == 0 {
		t.Fatalf("verify: %d rows, %v", n, err)
	}
}
