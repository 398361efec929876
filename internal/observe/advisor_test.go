package observe

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pamtravel/pam/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The advisor asks a real PostgreSQL for the plan of a slow query and
// suggests the index its sequential scan lacks; with the index, nothing.
func TestIndexAdvisorOnPostgres(t *testing.T) {
	url := testenv.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`CREATE TABLE expenses (id bigserial PRIMARY KEY, user_id text NOT NULL, spent_on date NOT NULL, amount numeric(12,2) NOT NULL)`,
		`INSERT INTO expenses (user_id, spent_on, amount)
		 SELECT 'u' || (i % 500), DATE '2025-01-01' + (i % 365), (i % 100) + 0.25 FROM generate_series(1, 50000) i`,
		`ANALYZE expenses`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	a := &IndexAdvisor{DB: conn}
	query := `SELECT sum(amount) FROM expenses WHERE user_id = 'u7' AND spent_on >= DATE '2025-06-01'`
	got, err := a.Explain(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Statement != "CREATE INDEX CONCURRENTLY ON expenses (user_id, spent_on);" {
		t.Fatalf("suggestions %+v", got)
	}
	if _, err := conn.Exec(ctx, got[0].Statement); err != nil {
		t.Fatalf("the suggested statement must run: %v", err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE expenses`); err != nil {
		t.Fatal(err)
	}
	if again, err := a.Explain(ctx, query); err != nil || len(again) != 0 {
		t.Fatalf("after the index: %+v, %v", again, err)
	}
}
