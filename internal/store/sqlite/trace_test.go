package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/sqlite"
	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
)

// Every store operation is a span under the caller's, so a trace shows
// turn → model → tool → database.
func TestStoreOperationsAreSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	defer otel.SetTracerProvider(prev)

	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pam.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Without a caller's span there is nothing to hang a db span under: none.
	if _, err := st.UserByID(ctx, "nobody"); !store.IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans without a parent, want none", n)
	}
	ctx, parent := tp.Tracer("test").Start(ctx, "tool create_expense")
	if _, err := st.UserByID(ctx, "nobody"); !store.IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
	parent.End()
	var found bool
	for _, s := range rec.Ended() {
		if strings.HasPrefix(s.Name(), "db ") && s.Parent().SpanID() == parent.SpanContext().SpanID() {
			found = true
		}
	}
	if !found {
		t.Fatalf("no db span under the caller's span in %d spans", len(rec.Ended()))
	}
}
