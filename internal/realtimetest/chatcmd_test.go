package realtimetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/app"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestPamChatCommand(t *testing.T) {
	srv := start(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut lockedBuffer
	in := strings.NewReader("I spent $12 on coffee\nhow much did I spend this month?\n/quit\n")
	email := fmt.Sprintf("cli-%d@example.com", time.Now().UnixNano())
	getenv := func(string) string { return "" }
	err := app.Run(ctx, []string{"chat", "--url", srv.URL, "--email", email, "--password", "correct horse battery", "--register"},
		getenv, nil, in, &out, &errOut)
	if err != nil {
		t.Fatalf("pam chat: %v\nstderr: %s", err, errOut.String())
	}
	got := out.String()
	t.Logf("pam chat printed:\n%s", got)
	for _, want := range []string{"Connected to PAM", "PAM: Logged $12.00", "12.00"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "Logged $12.00"); n != 1 {
		t.Errorf("the first answer is printed %d times, want once (streamed or whole):\n%s", n, got)
	}
	if !strings.Contains(got, "this month") {
		t.Errorf("no answer to the second message:\n%s", got)
	}
}
