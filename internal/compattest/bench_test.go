package compattest_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/compattest"
)

// BenchmarkChatRoundTrip is one app chat over the compat WebSocket through
// the whole engine (safety, durable accept, rules brain, persist), on SQLite.
// Chats rotate over connections so that each stays under the per-connection
// frame rate (20/s), which would otherwise be what is measured.
func BenchmarkChatRoundTrip(b *testing.B) {
	srv := apptest.Start(b, map[string]string{"PAM_LIMIT_USER_PER_MIN": "1000000"})
	sess := srv.Register(b)
	conns := make([]*compattest.Client, 256)
	for i := range conns {
		conns[i] = compattest.New(compattest.Options{BaseURL: srv.URL, UserID: sess.UserID, Token: sess.AccessToken, SessionID: uuid.NewString()})
		if err := conns[i].Connect(context.Background()); err != nil {
			b.Fatal(err)
		}
		defer conns[i].Close()
	}
	n := 0
	for b.Loop() {
		c := conns[n%len(conns)]
		n++
		r, err := c.Chat(context.Background(), "How much did I spend on fuel this month?", compattest.ChatOptions{})
		if err != nil || r.Type != "chat_response" {
			b.Fatalf("chat %d: %s %v", n, r.Raw, err)
		}
	}
}
