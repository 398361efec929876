package pamclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/protocol"
)

func TestBackoffIsFullJitterCapped(t *testing.T) {
	c := New("http://example.invalid", Options{BackoffBase: time.Second, BackoffMax: 8 * time.Second})
	for attempt, ceiling := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second} {
		var hi time.Duration
		lo := ceiling
		for range 2000 {
			d := c.backoff(attempt)
			if d < 0 || d > ceiling {
				t.Fatalf("attempt %d: %v outside [0, %v]", attempt, d, ceiling)
			}
			hi, lo = max(hi, d), min(lo, d)
		}
		if hi < ceiling*8/10 || lo > ceiling/10 {
			t.Fatalf("attempt %d: samples span [%v, %v], want most of [0, %v]", attempt, lo, hi, ceiling)
		}
	}
}

// fakePAM speaks PAM's WebSocket protocol with scripted behaviour.
type fakePAM struct {
	mu     sync.Mutex
	hellos []protocol.ClientFrame
	acks   []int64
	script func(ctx context.Context, c *websocket.Conn, n int) // n: connection number from 1
}

func (f *fakePAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	_, b, err := c.Read(ctx)
	if err != nil {
		return
	}
	var h protocol.ClientFrame
	_ = json.Unmarshal(b, &h)
	f.mu.Lock()
	f.hellos = append(f.hellos, h)
	n := len(f.hellos)
	f.mu.Unlock()
	f.script(ctx, c, n)
}

func (f *fakePAM) hellosSeen() []protocol.ClientFrame {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]protocol.ClientFrame(nil), f.hellos...)
}

func writeJSON(ctx context.Context, c *websocket.Conn, v any) {
	b, _ := json.Marshal(v)
	_ = c.Write(ctx, websocket.MessageText, b)
}

func fakeClient(t *testing.T, f *fakePAM, opts Options) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	opts.Token = func(context.Context) (string, error) { return "tok", nil }
	if opts.BackoffBase == 0 {
		opts.BackoffBase, opts.BackoffMax = 10*time.Millisecond, 20*time.Millisecond
	}
	c := New(srv.URL, opts)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDeadConnectionIsDetectedAndResumed(t *testing.T) {
	f := &fakePAM{script: func(ctx context.Context, c *websocket.Conn, n int) {
		writeJSON(ctx, c, protocol.Welcome{Type: protocol.TypeWelcome, UserID: "u", LastSeq: 41, Recovered: true, HeartbeatMs: 50})
		if n == 1 {
			<-ctx.Done() // silent: no pongs, no frames
			return
		}
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}}
	fakeClient(t, f, Options{})
	deadline := time.Now().Add(5 * time.Second)
	for len(f.hellosSeen()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	h := f.hellosSeen()
	if len(h) < 2 {
		t.Fatal("the client kept a silent connection")
	}
	if h[0].LastSeq != nil || h[1].LastSeq == nil || *h[1].LastSeq != 41 || h[1].Token != "tok" || h[1].Device == "" || h[1].Device != h[0].Device {
		t.Fatalf("hellos = %+v, want the second to resume from 41 on the same device", h)
	}
}

func TestDurableFramesOnceAndCumulativeAcks(t *testing.T) {
	done := make(chan struct{})
	var f *fakePAM
	f = &fakePAM{script: func(ctx context.Context, c *websocket.Conn, n int) {
		writeJSON(ctx, c, protocol.Welcome{Type: protocol.TypeWelcome, UserID: "u", LastSeq: 4, Recovered: true, HeartbeatMs: 25000})
		for _, seq := range []int64{5, 5, 6, 4, 6} {
			writeJSON(ctx, c, protocol.Message{Type: protocol.TypeMessage, Seq: seq, ID: "m", Text: "answer"})
		}
		writeJSON(ctx, c, protocol.Delta{Type: protocol.TypeDelta, TurnID: "t", Text: "live"})
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			var fr protocol.ClientFrame
			_ = json.Unmarshal(b, &fr)
			if fr.Type == protocol.TypeAck {
				f.mu.Lock()
				f.acks = append(f.acks, fr.Seq)
				last := fr.Seq
				f.mu.Unlock()
				if last == 6 {
					close(done)
				}
			}
		}
	}}
	c := fakeClient(t, f, Options{})
	var seqs []int64
	timeout := time.After(5 * time.Second)
	for len(seqs) < 2 {
		select {
		case m := <-c.Messages():
			seqs = append(seqs, m.Seq)
		case <-timeout:
			t.Fatalf("messages %v", seqs)
		}
	}
	select {
	case m := <-c.Messages():
		t.Fatalf("duplicate delivered: %+v", m)
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("no ack for seq 6")
	}
	if seqs[0] != 5 || seqs[1] != 6 || c.LastSeq() != 6 {
		t.Fatalf("delivered %v, last %d", seqs, c.LastSeq())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.acks {
		if a < 5 || a > 6 {
			t.Fatalf("acks = %v", f.acks)
		}
	}
	for {
		select {
		case ev := <-c.Events():
			if ev.Type == protocol.TypeDelta {
				if ev.Text != "live" {
					t.Fatalf("delta = %+v", ev)
				}
				return
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no delta event")
		}
	}
}

func TestRetryableRefusalIsResentWithTheSameID(t *testing.T) {
	var mu sync.Mutex
	var chats []string
	f := &fakePAM{script: func(ctx context.Context, c *websocket.Conn, n int) {
		writeJSON(ctx, c, protocol.Welcome{Type: protocol.TypeWelcome, UserID: "u", HeartbeatMs: 25000})
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			var fr protocol.ClientFrame
			_ = json.Unmarshal(b, &fr)
			if fr.Type != protocol.TypeChat {
				continue
			}
			mu.Lock()
			chats = append(chats, fr.ID)
			first := len(chats) == 1
			mu.Unlock()
			if first {
				writeJSON(ctx, c, protocol.Error{Type: protocol.TypeError, Code: "OVERLOADED", Message: "busy", ID: fr.ID, RetryAfterMs: 30})
				continue
			}
			writeJSON(ctx, c, protocol.Accepted{Type: protocol.TypeAccepted, ID: fr.ID, ConversationID: "c"})
			writeJSON(ctx, c, protocol.Message{Type: protocol.TypeMessage, Seq: 1, ID: fr.ID, Text: "ok"})
		}
	}}
	c := fakeClient(t, f, Options{})
	id, err := c.Send(context.Background(), "hello", "")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-c.Messages():
		if m.ID != id {
			t.Fatalf("message %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer after the refusal")
	}
	// The answer reaches the channel just before its chat leaves the pending
	// list (Pending() == 0 promises every answer is on its channel, not the
	// converse), so the pending count is awaited.
	for deadline := time.Now().Add(2 * time.Second); c.Pending() != 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(chats) != 2 || chats[0] != id || chats[1] != id || c.Pending() != 0 {
		t.Fatalf("chats sent %v, pending %d", chats, c.Pending())
	}
}
