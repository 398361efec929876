package realtimetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/pamclient"
	"github.com/pamtravel/pam/protocol"
)

var clientUsers atomic.Int64

// newClient registers a fresh user through pamclient at url.
func newClient(t *testing.T, url string, opts pamclient.Options) *pamclient.Client {
	t.Helper()
	if opts.BackoffBase == 0 {
		opts.BackoffBase, opts.BackoffMax = 20*time.Millisecond, 100*time.Millisecond
	}
	opts.Logf = t.Logf
	c := pamclient.New(url, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	email := fmt.Sprintf("client%d-%d@example.com", clientUsers.Add(1), time.Now().UnixNano())
	if err := c.Register(ctx, email, "correct horse battery", "Client"); err != nil {
		t.Fatalf("register: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func connectClient(t *testing.T, c *pamclient.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, c *pamclient.Client, text string) string {
	t.Helper()
	id, err := c.Send(context.Background(), text, "")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// awaitMessages collects messages for d (or until want have arrived and
// settle has passed without more).
func awaitMessages(t *testing.T, c *pamclient.Client, want int, within time.Duration) []protocol.Message {
	t.Helper()
	var got []protocol.Message
	deadline := time.After(within)
	settle := time.NewTimer(time.Hour)
	for {
		select {
		case m := <-c.Messages():
			got = append(got, m)
			if len(got) >= want {
				settle.Reset(700 * time.Millisecond) // catch duplicates, if any
			}
		case <-settle.C:
			return got
		case <-deadline:
			return got
		}
	}
}

func TestClientSendsAndReceives(t *testing.T) {
	srv := start(t, nil)
	c := newClient(t, srv.URL, pamclient.Options{})
	connectClient(t, c)
	if c.Mode() != pamclient.ModeWebSocket {
		t.Fatalf("mode = %s", c.Mode())
	}
	if _, err := c.SendWithContext(context.Background(), "hi", "", &protocol.ChatContext{Location: &protocol.Location{Lat: 200}}); err == nil {
		t.Fatal("an invalid context was accepted")
	}
	id := send(t, c, coffee)
	ms := awaitMessages(t, c, 1, 10*time.Second)
	if len(ms) != 1 || ms[0].ID != id || ms[0].Seq != c.LastSeq() || c.Pending() != 0 {
		t.Fatalf("messages %+v (last seq %d, pending %d)", ms, c.LastSeq(), c.Pending())
	}
}

func TestClientSurvivesDroppedConnections(t *testing.T) {
	srv := start(t, nil)
	proxy := newTCPProxy(t, srv.Addr)
	c := newClient(t, proxy.URL(), pamclient.Options{})
	connectClient(t, c)
	var ids []string
	for i := range 5 {
		ids = append(ids, send(t, c, fmt.Sprintf("I spent $%d on coffee", 10+i)))
		time.Sleep(time.Duration(i) * 3 * time.Millisecond)
		proxy.kill() // mid-turn, at varying moments
	}
	ms := awaitMessages(t, c, len(ids), 30*time.Second)
	seen := map[string]int{}
	for _, m := range ms {
		seen[m.ID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Fatalf("message %s delivered %d times (all: %+v)", id, seen[id], ms)
		}
	}
	if len(ms) != len(ids) {
		t.Fatalf("got %d messages for %d chats", len(ms), len(ids))
	}
}

func TestClientQueuesWhileDisconnected(t *testing.T) {
	srv := start(t, nil)
	proxy := newTCPProxy(t, srv.Addr)
	c := newClient(t, proxy.URL(), pamclient.Options{FallbackAfter: 1000})
	connectClient(t, c)
	proxy.down.Store(true)
	proxy.kill()
	time.Sleep(100 * time.Millisecond)
	a := send(t, c, "I spent $5 on bread")
	b := send(t, c, "I spent $7 on milk")
	time.Sleep(300 * time.Millisecond)
	if c.Mode() == pamclient.ModeWebSocket || c.Pending() != 2 {
		t.Fatalf("mode %s pending %d while the network is down", c.Mode(), c.Pending())
	}
	proxy.down.Store(false)
	ms := awaitMessages(t, c, 2, 20*time.Second)
	if len(ms) != 2 || ms[0].ID != a || ms[1].ID != b {
		t.Fatalf("after reconnect: %+v", ms)
	}
}

func TestClientFallsBackToPolling(t *testing.T) {
	srv := start(t, nil)
	blocker := newWSBlocker(t, srv.URL)
	blocker.blocked.Store(true)
	c := newClient(t, blocker.srv.URL, pamclient.Options{ProbeEvery: 300 * time.Millisecond, PollWait: 2 * time.Second})
	connectClient(t, c)
	if c.Mode() != pamclient.ModePolling || blocker.refused.Load() < 3 {
		t.Fatalf("mode %s after %d refused upgrades", c.Mode(), blocker.refused.Load())
	}
	id := send(t, c, coffee)
	ms := awaitMessages(t, c, 1, 15*time.Second)
	if len(ms) != 1 || ms[0].ID != id {
		t.Fatalf("polling messages: %+v", ms)
	}
	// The WebSocket comes back: the client returns to it.
	blocker.blocked.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for c.Mode() != pamclient.ModeWebSocket && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if c.Mode() != pamclient.ModeWebSocket {
		t.Fatalf("mode = %s after the WebSocket came back", c.Mode())
	}
	id2 := send(t, c, "I spent $3 on tea")
	ms = awaitMessages(t, c, 1, 15*time.Second)
	if len(ms) != 1 || ms[0].ID != id2 {
		t.Fatalf("websocket messages after polling: %+v", ms)
	}
}

func TestClientResumesAcrossServerRestart(t *testing.T) {
	srv := start(t, nil)
	c := newClient(t, srv.URL, pamclient.Options{FallbackAfter: 1000})
	connectClient(t, c)
	id := send(t, c, coffee)
	srv.Restart()
	ms := awaitMessages(t, c, 1, 20*time.Second)
	if len(ms) != 1 || ms[0].ID != id {
		t.Fatalf("after restart: %+v", ms)
	}
}

func TestClientRefreshesItsTokenInBand(t *testing.T) {
	srv := start(t, map[string]string{"PAM_ACCESS_TTL": "4s"})
	c := newClient(t, srv.URL, pamclient.Options{})
	connectClient(t, c)
	time.Sleep(9 * time.Second) // two token lifetimes
	welcomes := 0
	for len(c.Events()) > 0 {
		if ev := <-c.Events(); ev.Type == protocol.TypeWelcome {
			welcomes++
		}
	}
	if welcomes != 1 || c.Mode() != pamclient.ModeWebSocket {
		t.Fatalf("%d welcomes (reconnections) and mode %s, want one connection kept open", welcomes, c.Mode())
	}
	id := send(t, c, coffee)
	if ms := awaitMessages(t, c, 1, 10*time.Second); len(ms) != 1 || ms[0].ID != id {
		t.Fatalf("messages %+v", ms)
	}
}
