package delivery

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpenFileSpool feeds arbitrary bytes as a spool log left by a crash:
// opening must never panic, and the spool must always drain to empty
// (damaged records are skipped, never left blocking the queue).
func FuzzOpenFileSpool(f *testing.F) {
	f.Add([]byte(`{"seq":1,"user_id":"u","client_message_id":"m1","text":"hi"}` + "\n" + `{"seq":2,"user_id":"u","client_message_id":"m2","text":"yo"}` + "\n"))
	f.Add([]byte(`{"seq":1,"user_id":"u","te`))
	f.Add([]byte("\n\n"))
	f.Add([]byte("garbage\n" + `{"seq":5,"user_id":"u","client_message_id":"m5","text":"ok"}` + "\n"))
	f.Fuzz(func(t *testing.T, log []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, spoolLog), log, 0o600); err != nil {
			t.Fatal(err)
		}
		sp, err := OpenFileSpool(dir)
		if err != nil {
			return
		}
		defer sp.Close()
		ctx := context.Background()
		for i := 0; i < 1000; i++ {
			r, ok, err := sp.Peek(ctx)
			if err != nil {
				t.Fatalf("peek: %v", err)
			}
			if !ok {
				if n, err := sp.Len(ctx); n != 0 || err != nil {
					t.Fatalf("empty spool has length %d (%v)", n, err)
				}
				return
			}
			if err := sp.Remove(ctx, r.Seq); err != nil {
				t.Fatalf("remove: %v", err)
			}
		}
		t.Fatal("spool did not drain in 1000 removals")
	})
}
