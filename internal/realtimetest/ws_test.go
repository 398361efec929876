package realtimetest

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/protocol"
)

const coffee = "I spent $12 on coffee"

func chat(id, text string) protocol.ClientFrame {
	return protocol.ClientFrame{Type: protocol.TypeChat, ID: id, Text: text}
}

// expenses counts the user's expenses: a turn that ran twice would log two.
func expenses(t *testing.T, srv *apptest.Server, token string) int {
	t.Helper()
	r := srv.Do(t, "GET", "/api/v1/expenses", token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("expenses: %d %s", r.Status, r.Body)
	}
	var body struct {
		Items []map[string]any `json:"items"`
	}
	r.JSON(t, &body)
	return len(body.Items)
}

func countID(ms []protocol.Message, id string) (n int, seqs []int64) {
	for _, m := range ms {
		if m.ID == id {
			n++
			seqs = append(seqs, m.Seq)
		}
	}
	return n, seqs
}

func TestChatOverWebSocket(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	c, w := connect(t, srv, sess.AccessToken, -1)
	if w.UserID != sess.UserID || !w.Recovered || w.HeartbeatMs != 25000 {
		t.Fatalf("welcome = %+v", w)
	}
	c.send(chat("c1", coffee))
	var acc protocol.Accepted
	c.decode(c.next(protocol.TypeAccepted), &acc)
	if acc.ID != "c1" || acc.ConversationID == "" {
		t.Fatalf("accepted = %+v", acc)
	}
	var m protocol.Message
	c.decode(c.next(protocol.TypeMessage), &m)
	if m.ID != "c1" || m.Seq != w.LastSeq+1 || m.ConversationID != acc.ConversationID || !strings.Contains(m.Text, "12") {
		t.Fatalf("message = %+v", m)
	}
	c.send(protocol.ClientFrame{Type: protocol.TypeAck, Seq: m.Seq})
	c.send(protocol.ClientFrame{Type: protocol.TypePing})
	c.next(protocol.TypePong)
	if n := expenses(t, srv, sess.AccessToken); n != 1 {
		t.Fatalf("expenses = %d, want 1", n)
	}
}

func TestDuplicateChatIDRunsOnce(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	c, _ := connect(t, srv, sess.AccessToken, -1)
	// Back to back: the second arrives while the first may still run.
	c.send(chat("dup", coffee))
	c.send(chat("dup", coffee))
	var a1, a2 protocol.Accepted
	c.decode(c.next(protocol.TypeAccepted), &a1)
	c.decode(c.next(protocol.TypeAccepted), &a2)
	if a1 != a2 {
		t.Fatalf("accepted differ: %+v vs %+v", a1, a2)
	}
	ms := c.collectMessages(1500 * time.Millisecond)
	if n, seqs := countID(ms, "dup"); n < 1 || seqs[0] != seqs[len(seqs)-1] {
		t.Fatalf("messages for dup: %d %v", n, seqs)
	}
	first := ms[0]
	// Long after: the original accepted and the original message, same seq.
	c.send(chat("dup", coffee))
	var a3 protocol.Accepted
	c.decode(c.next(protocol.TypeAccepted), &a3)
	var again protocol.Message
	c.decode(c.next(protocol.TypeMessage), &again)
	if a3 != a1 || again.Seq != first.Seq || again.MessageID != first.MessageID || again.Text != first.Text {
		t.Fatalf("repeat answered %+v / %+v, want the original %+v", a3, again, first)
	}
	if n := expenses(t, srv, sess.AccessToken); n != 1 {
		t.Fatalf("expenses = %d, want 1: a repeated id ran a second turn", n)
	}
}

func TestTwoDevicesReceiveTheSameMessage(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	phone, _ := connect(t, srv, sess.AccessToken, -1)
	laptop, _ := connect(t, srv, sess.AccessToken, -1)
	phone.send(chat("from-phone", coffee))
	var onPhone, onLaptop protocol.Message
	phone.decode(phone.next(protocol.TypeMessage), &onPhone)
	laptop.decode(laptop.next(protocol.TypeMessage), &onLaptop)
	if onPhone.Seq == 0 || onPhone.Seq != onLaptop.Seq || onPhone.ID != "from-phone" || onLaptop.Text != onPhone.Text {
		t.Fatalf("phone %+v, laptop %+v", onPhone, onLaptop)
	}
	// Another user sees nothing.
	other, _ := connect(t, srv, srv.Register(t).AccessToken, -1)
	if ms := other.collectMessages(500 * time.Millisecond); len(ms) != 0 {
		t.Fatalf("another user received %+v", ms)
	}
}

func TestDropMidTurnAndResume(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	c, w := connect(t, srv, sess.AccessToken, -1)
	c.send(chat("drop-1", coffee))
	c.next(protocol.TypeAccepted)
	_ = c.conn.CloseNow() // the socket dies before the answer is read
	time.Sleep(300 * time.Millisecond)
	c2, w2 := connect(t, srv, sess.AccessToken, w.LastSeq)
	if !w2.Recovered || w2.LastSeq < w.LastSeq {
		t.Fatalf("welcome after drop = %+v", w2)
	}
	// Resend the unanswered chat with the same id, as a client with a send queue does.
	c2.send(chat("drop-1", coffee))
	ms := c2.collectMessages(1500 * time.Millisecond)
	seen := map[int64]bool{}
	for _, m := range ms {
		seen[m.Seq] = true
	}
	if n, seqs := countID(ms, "drop-1"); n == 0 || len(seen) != 1 {
		t.Fatalf("messages after resume: %d %v (frames %+v)", n, seqs, ms)
	}
	if n := expenses(t, srv, sess.AccessToken); n != 1 {
		t.Fatalf("expenses = %d, want exactly 1", n)
	}
}

func TestRestartAfterAcceptedAnswersOnce(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	c, w := connect(t, srv, sess.AccessToken, -1)
	c.send(chat("restart-1", coffee))
	c.next(protocol.TypeAccepted)
	srv.Restart()
	// The old socket was closed by the shutdown: 1001 (or already answered and closed).
	if code := c.closeCode(10 * time.Second); code != websocket.StatusGoingAway && code != -1 {
		t.Fatalf("close code on shutdown = %d, want 1001", code)
	}
	c2, _ := connect(t, srv, sess.AccessToken, w.LastSeq)
	ms := c2.collectMessages(1500 * time.Millisecond)
	if n, _ := countID(ms, "restart-1"); n != 1 {
		t.Fatalf("restart-1 answered %d times after restart: %+v", n, ms)
	}
	if n := expenses(t, srv, sess.AccessToken); n != 1 {
		t.Fatalf("expenses = %d, want 1", n)
	}
}

// TestPendingTurnResumesAfterRestart leaves a turn accepted but unanswered in
// the store (as a crash between accepted and the answer does) and checks that
// the restarted server answers it exactly once and replays it to the client.
func TestPendingTurnResumesAfterRestart(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	_, w := connect(t, srv, sess.AccessToken, -1)
	srv.Stop()
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(srv.DataDir, "pam.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	conv := &store.Conversation{UserID: sess.UserID, Title: "coffee"}
	if err := st.CreateConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	msg := &store.Message{ConversationID: conv.ID, UserID: sess.UserID, Role: store.MessageUser, Content: coffee, ClientMessageID: "crashed-1"}
	if err := st.AppendMessage(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if _, created, err := st.AcceptTurn(ctx, &store.Turn{UserID: sess.UserID, ConversationID: conv.ID, ClientMessageID: "crashed-1",
		UserMessageID: msg.ID, Text: coffee, Status: store.TurnPending}); err != nil || !created {
		t.Fatalf("seed turn: %v %v", created, err)
	}
	st.Close()
	srv.Restart()
	c, _ := connect(t, srv, sess.AccessToken, w.LastSeq)
	ms := c.collectMessages(2 * time.Second)
	if n, _ := countID(ms, "crashed-1"); n != 1 {
		t.Fatalf("crashed-1 answered %d times: %+v", n, ms)
	}
	// The client retrying the same id gets the same answer, and no new turn.
	c.send(chat("crashed-1", coffee))
	var again protocol.Message
	c.decode(c.next(protocol.TypeMessage), &again)
	if again.Seq != ms[0].Seq {
		t.Fatalf("retry got seq %d, want %d", again.Seq, ms[0].Seq)
	}
	if n := expenses(t, srv, sess.AccessToken); n != 1 {
		t.Fatalf("expenses = %d, want 1", n)
	}
}

func TestReplay(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	c, w := connect(t, srv, sess.AccessToken, -1)
	for _, id := range []string{"r1", "r2", "r3"} {
		c.send(chat(id, coffee))
		c.next(protocol.TypeMessage)
	}
	_ = c.conn.CloseNow()

	t.Run("within the window", func(t *testing.T) {
		c, w2 := connect(t, srv, sess.AccessToken, w.LastSeq+1)
		if !w2.Recovered || w2.LastSeq != w.LastSeq+3 {
			t.Fatalf("welcome = %+v", w2)
		}
		ms := c.collectMessages(700 * time.Millisecond)
		if len(ms) != 2 || ms[0].ID != "r2" || ms[1].ID != "r3" || ms[1].Seq != ms[0].Seq+1 {
			t.Fatalf("replayed %+v", ms)
		}
	})
	t.Run("no last_seq replays nothing", func(t *testing.T) {
		c, w2 := connect(t, srv, sess.AccessToken, -1)
		if !w2.Recovered {
			t.Fatalf("welcome = %+v", w2)
		}
		if ms := c.collectMessages(500 * time.Millisecond); len(ms) != 0 {
			t.Fatalf("replayed %+v", ms)
		}
	})
	t.Run("beyond the window", func(t *testing.T) {
		srv.Stop()
		ctx := context.Background()
		st, err := storage.Open(ctx, filepath.Join(srv.DataDir, "pam.db"), storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.PruneEvents(ctx, time.Now().Add(time.Hour), 1); err != nil {
			t.Fatal(err)
		}
		st.Close()
		srv.Restart()
		c, w2 := connect(t, srv, sess.AccessToken, w.LastSeq)
		if w2.Recovered {
			t.Fatalf("welcome = %+v, want recovered:false after pruning", w2)
		}
		ms := c.collectMessages(500 * time.Millisecond)
		if len(ms) != 1 || ms[0].ID != "r3" {
			t.Fatalf("replayed %+v, want only the kept r3", ms)
		}
	})
}

func TestBadFramesKeepTheConnection(t *testing.T) {
	srv := start(t, map[string]string{"PAM_MAX_MESSAGE_CHARS": "100"})
	sess := srv.Register(t)
	c, _ := connect(t, srv, sess.AccessToken, -1)
	cases := []struct {
		name, frame, code string
	}{
		{"malformed JSON", `{"type":"chat",`, "INVALID_INPUT"},
		{"not an object", `[1,2,3]`, "INVALID_INPUT"},
		{"unknown type", `{"type":"launch_rockets"}`, "INVALID_INPUT"},
		{"chat without id", `{"type":"chat","text":"hi"}`, "INVALID_INPUT"},
		{"text over the limit", `{"type":"chat","id":"big","text":"` + strings.Repeat("a", 200) + `"}`, "MESSAGE_TOO_LARGE"},
		{"bad context", `{"type":"chat","id":"ctx","text":"hi","context":{"location":{"lat":123,"lng":0}}}`, "INVALID_INPUT"},
		{"second hello", `{"type":"hello","token":"x"}`, "INVALID_INPUT"},
		{"ack without seq", `{"type":"ack"}`, "INVALID_INPUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.sendRaw([]byte(tc.frame))
			var e protocol.Error
			c.decode(c.next(protocol.TypeError), &e)
			if e.Code != tc.code || e.Message == "" {
				t.Fatalf("error = %+v, want %s", e, tc.code)
			}
		})
	}
	if err := c.conn.Write(c.ctx, websocket.MessageBinary, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	c.next(protocol.TypeError)
	// Still alive and useful.
	c.send(chat("after-garbage", coffee))
	c.next(protocol.TypeMessage)
}

func TestOversizeFrameCloses4009(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	c, _ := connect(t, srv, sess.AccessToken, -1)
	big := `{"type":"chat","id":"x","text":"` + strings.Repeat("a", 70<<10) + `"}`
	_ = c.conn.Write(c.ctx, websocket.MessageText, []byte(big))
	if code := c.closeCode(10 * time.Second); code != protocol.CloseTooLarge {
		t.Fatalf("close code = %d, want 4009", code)
	}
	// The server is fine and so are other connections.
	if r := srv.Do(t, "GET", "/healthz", "", nil); r.Status != http.StatusOK {
		t.Fatalf("healthz = %d", r.Status)
	}
	c2, _ := connect(t, srv, sess.AccessToken, -1)
	c2.send(protocol.ClientFrame{Type: protocol.TypePing})
	c2.next(protocol.TypePong)
}

func TestAuth(t *testing.T) {
	srv := start(t, map[string]string{"PAM_HELLO_TIMEOUT": "300ms", "PAM_ACCESS_TTL": "6s"})
	t.Run("no hello in time", func(t *testing.T) {
		c := dial(t, srv)
		began := time.Now()
		if code := c.closeCode(5 * time.Second); code != protocol.CloseAuth {
			t.Fatalf("close code = %d, want 4001", code)
		}
		if d := time.Since(began); d > 3*time.Second {
			t.Fatalf("closed after %v, want about 300ms", d)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		c := dial(t, srv)
		c.send(protocol.ClientFrame{Type: protocol.TypeHello, Token: "not-a-token"})
		if code := c.closeCode(5 * time.Second); code != protocol.CloseAuth {
			t.Fatalf("close code = %d, want 4001", code)
		}
	})
	t.Run("chat before hello", func(t *testing.T) {
		c := dial(t, srv)
		c.send(chat("early", coffee))
		if code := c.closeCode(5 * time.Second); code != protocol.CloseAuth {
			t.Fatalf("close code = %d, want 4001", code)
		}
	})
	t.Run("token expires without refresh", func(t *testing.T) {
		fresh := srv.Register(t)
		c, _ := connect(t, srv, fresh.AccessToken, -1)
		if code := c.closeCode(10 * time.Second); code != protocol.CloseAuth {
			t.Fatalf("close code = %d, want 4001", code)
		}
	})
	t.Run("in-band refresh keeps it open", func(t *testing.T) {
		// JWT times are whole seconds: the first token expires at most 6 s after
		// registering, the refreshed one at least 8 s after.
		registered := time.Now()
		fresh := srv.Register(t)
		c, _ := connect(t, srv, fresh.AccessToken, -1)
		time.Sleep(3 * time.Second)
		r := srv.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": fresh.RefreshToken})
		if r.Status != http.StatusOK {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		r.JSON(t, &tok)
		c.send(protocol.ClientFrame{Type: protocol.TypeAuth, Token: tok.AccessToken})
		time.Sleep(time.Until(registered.Add(6800 * time.Millisecond))) // past the first token's expiry
		if b, err := c.read(10 * time.Millisecond); err != context.DeadlineExceeded {
			t.Fatalf("connection after refresh: %s %v", b, err)
		}
		c.send(protocol.ClientFrame{Type: protocol.TypePing})
		c.next(protocol.TypePong)
	})
	t.Run("refresh with another user's token closes", func(t *testing.T) {
		c, _ := connect(t, srv, srv.Register(t).AccessToken, -1)
		c.send(protocol.ClientFrame{Type: protocol.TypeAuth, Token: srv.Register(t).AccessToken})
		if code := c.closeCode(5 * time.Second); code != protocol.CloseAuth {
			t.Fatalf("close code = %d, want 4001", code)
		}
	})
}

func TestFrameFloodIsLimited(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	c, _ := connect(t, srv, sess.AccessToken, -1)
	for range 60 {
		c.send(protocol.ClientFrame{Type: protocol.TypePing})
	}
	c.next(protocol.TypeError) // RATE_LIMITED once past the burst
	for range 200 {
		if err := c.conn.Write(c.ctx, websocket.MessageText, []byte(`{"type":"ping"}`)); err != nil {
			break
		}
	}
	if code := c.closeCode(10 * time.Second); code != protocol.CloseAbuse {
		t.Fatalf("close code = %d, want 4008", code)
	}
	if r := srv.Do(t, "GET", "/healthz", "", nil); r.Status != http.StatusOK {
		t.Fatalf("healthz = %d", r.Status)
	}
}
