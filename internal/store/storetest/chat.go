package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

func testConversations(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	c1 := &store.Conversation{UserID: u.ID, Title: "first"}
	must(t, s.CreateConversation(ctx, c1))
	c2 := &store.Conversation{UserID: u.ID, Title: "second"}
	must(t, s.CreateConversation(ctx, c2))
	must(t, s.CreateConversation(ctx, &store.Conversation{UserID: other.ID, Title: "theirs"}))

	list, next, err := s.ListConversations(ctx, u.ID, store.Page{})
	must(t, err)
	if len(list) != 2 || list[0].ID != c2.ID || list[1].ID != c1.ID || next != "" {
		t.Fatalf("ListConversations = %+v, %q; want c2, c1 and no cursor", list, next)
	}
	_, err = s.ConversationByID(ctx, other.ID, c1.ID)
	wantNotFound(t, "ConversationByID as another user", err)
	err = s.AppendMessage(ctx, &store.Message{ConversationID: c1.ID, UserID: other.ID, Role: store.MessageUser, Content: "x"})
	wantNotFound(t, "AppendMessage into another user's conversation", err)
	_, _, err = s.ListMessages(ctx, other.ID, c1.ID, store.Page{})
	wantNotFound(t, "ListMessages as another user", err)
	_, err = s.CountMessages(ctx, other.ID, c1.ID)
	wantNotFound(t, "CountMessages as another user", err)
	_, err = s.RecentMessages(ctx, other.ID, c1.ID, 5)
	wantNotFound(t, "RecentMessages as another user", err)
	_, err = s.RecentMessages(ctx, u.ID, "no-such-conversation", 5)
	wantNotFound(t, "RecentMessages of an unknown conversation", err)
	if ms, err := s.RecentMessages(ctx, u.ID, c1.ID, 5); err != nil || len(ms) != 0 {
		t.Errorf("RecentMessages of an empty conversation = %v, %v; want none", contents(ms), err)
	}
	wantNotFound(t, "DeleteConversationMessages as another user", s.DeleteConversationMessages(ctx, other.ID, c1.ID))
	err = s.CreateConversation(ctx, &store.Conversation{UserID: "no-such-user"})
	wantNotFound(t, "CreateConversation for an unknown user", err)

	bad := &store.Message{ConversationID: c1.ID, UserID: u.ID, Role: store.MessageUser, Content: "x", Meta: json.RawMessage(`{not json`)}
	if err := s.AppendMessage(ctx, bad); pamerr.CodeOf(err) != pamerr.InvalidInput {
		t.Errorf("AppendMessage with invalid meta: err = %v, want INVALID_INPUT", err)
	}
	m := &store.Message{ConversationID: c1.ID, UserID: u.ID, Role: store.MessageAssistant, Content: "'; DROP TABLE messages; --",
		Source: "rules", Degraded: true, Meta: json.RawMessage(`{"tool_calls":[{"name":"create_expense"}]}`), ClientMessageID: "cm1"}
	must(t, s.AppendMessage(ctx, m))
	if m.ID == "" || m.CreatedAt.IsZero() {
		t.Fatalf("AppendMessage did not fill ID/CreatedAt: %+v", m)
	}
	got, _, err := s.ListMessages(ctx, u.ID, c1.ID, store.Page{})
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("ListMessages = %d messages, want 1", len(got))
	}
	g := got[0]
	if g.Content != m.Content || g.Source != "rules" || !g.Degraded || string(g.Meta) != string(m.Meta) || g.ClientMessageID != "cm1" || !g.CreatedAt.Equal(m.CreatedAt) {
		t.Errorf("message round trip: got %+v, want %+v", g, m)
	}
	c, err := s.ConversationByID(ctx, u.ID, c1.ID)
	must(t, err)
	if c.UpdatedAt.Before(m.CreatedAt) {
		t.Errorf("AppendMessage did not touch the conversation: updated %v < message %v", c.UpdatedAt, m.CreatedAt)
	}
	must(t, s.DeleteConversationMessages(ctx, u.ID, c1.ID))
	if n, err := s.CountMessages(ctx, u.ID, c1.ID); err != nil || n != 0 {
		t.Errorf("CountMessages after delete = %d, %v", n, err)
	}
}

// testFirstMessageInTx: a conversation created and given its first message
// in one transaction (every new chat turn) has the message's time as its
// updated time, and the message is still checked against the owner.
func testFirstMessageInTx(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	var c *store.Conversation
	var first, second *store.Message
	must(t, s.InTx(ctx, func(tx store.Store) error {
		c = &store.Conversation{UserID: u.ID, Title: "new"}
		if err := tx.CreateConversation(ctx, c); err != nil {
			return err
		}
		first = &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageUser, Content: "hi"}
		if err := tx.AppendMessage(ctx, first); err != nil {
			return err
		}
		if !first.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("first message at %v, want the conversation's time %v", first.CreatedAt, c.CreatedAt)
		}
		second = &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageAssistant, Content: "hello"}
		return tx.AppendMessage(ctx, second)
	}))
	got, err := s.ConversationByID(ctx, u.ID, c.ID)
	must(t, err)
	if !got.UpdatedAt.Equal(second.CreatedAt) || second.CreatedAt.Before(first.CreatedAt) {
		t.Errorf("conversation updated %v, messages at %v and %v; want the second message's time", got.UpdatedAt, first.CreatedAt, second.CreatedAt)
	}
	if ms, err := s.RecentMessages(ctx, u.ID, c.ID, 5); err != nil || len(ms) != 2 || !ms[0].CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("RecentMessages = %v, %v; want both messages, the first at the conversation's time", contents(ms), err)
	}

	// The same through a transaction that operations join by ctx.
	var c2 *store.Conversation
	var m2 *store.Message
	must(t, s.InTxContext(ctx, func(ctx context.Context) error {
		c2 = &store.Conversation{UserID: u.ID}
		if err := s.CreateConversation(ctx, c2); err != nil {
			return err
		}
		m2 = &store.Message{ConversationID: c2.ID, UserID: u.ID, Role: store.MessageUser, Content: "hi"}
		return s.AppendMessage(ctx, m2)
	}))
	if got, err := s.ConversationByID(ctx, u.ID, c2.ID); err != nil || !got.UpdatedAt.Equal(m2.CreatedAt) || !m2.CreatedAt.Equal(c2.CreatedAt) {
		t.Errorf("joined transaction: conversation %+v (%v), message at %v; want one time", got, err, m2.CreatedAt)
	}

	// Only the owner appends to the conversation just created...
	err = s.InTx(ctx, func(tx store.Store) error {
		c := &store.Conversation{UserID: u.ID}
		if err := tx.CreateConversation(ctx, c); err != nil {
			return err
		}
		return tx.AppendMessage(ctx, &store.Message{ConversationID: c.ID, UserID: other.ID, Role: store.MessageUser, Content: "x"})
	})
	wantNotFound(t, "AppendMessage into another user's new conversation", err)
	// ...and not after the owner was deleted in the same transaction.
	gone := newUser(t, s)
	err = s.InTx(ctx, func(tx store.Store) error {
		c := &store.Conversation{UserID: gone.ID}
		if err := tx.CreateConversation(ctx, c); err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, gone.ID); err != nil {
			return err
		}
		return tx.AppendMessage(ctx, &store.Message{ConversationID: c.ID, UserID: gone.ID, Role: store.MessageUser, Content: "x"})
	})
	wantNotFound(t, "AppendMessage into a conversation deleted with its user", err)
}

func testMessagesPaging(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	c := &store.Conversation{UserID: u.ID}
	must(t, s.CreateConversation(ctx, c))
	var want []string
	for i := range 7 {
		m := &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageUser, Content: fmt.Sprint("m", i)}
		must(t, s.AppendMessage(ctx, m))
		want = append(want, m.Content)
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, next, err := s.ListMessages(ctx, u.ID, c.ID, store.Page{Limit: 3, Cursor: cursor})
		must(t, err)
		for _, m := range page {
			got = append(got, m.Content)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ListMessages pages = %v, want oldest first %v", got, want)
	}
	recent, err := s.RecentMessages(ctx, u.ID, c.ID, 3)
	must(t, err)
	if len(recent) != 3 || recent[0].Content != "m4" || recent[2].Content != "m6" {
		t.Errorf("RecentMessages(3) = %v, want m4 m5 m6", contents(recent))
	}
	if n, err := s.CountMessages(ctx, u.ID, c.ID); err != nil || n != 7 {
		t.Errorf("CountMessages = %d, %v; want 7", n, err)
	}
}

func contents(ms []store.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Content)
	}
	return out
}

func testTurns(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	c := &store.Conversation{UserID: u.ID}
	must(t, s.CreateConversation(ctx, c))

	const n = 20
	var wg sync.WaitGroup
	ids := make([]string, n)
	created := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			tr := &store.Turn{UserID: u.ID, ConversationID: c.ID, ClientMessageID: "client-1", Text: "log $5 coffee",
				Context: json.RawMessage(`{"timezone":"UTC"}`)}
			got, ok, err := s.AcceptTurn(ctx, tr)
			errs[i], created[i] = err, ok
			if got != nil {
				ids[i] = got.ID
			}
		})
	}
	wg.Wait()
	nCreated := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("AcceptTurn %d: %v", i, errs[i])
		}
		if created[i] {
			nCreated++
		}
		if ids[i] != ids[0] || ids[i] == "" {
			t.Fatalf("AcceptTurn returned different turns: %v", ids)
		}
	}
	if nCreated != 1 {
		t.Fatalf("%d of %d concurrent AcceptTurn calls created a turn, want exactly 1", nCreated, n)
	}
	// The same key for another user is another turn.
	ot := &store.Turn{UserID: other.ID, ClientMessageID: "client-1", Text: "x"}
	if _, ok, err := s.AcceptTurn(ctx, ot); err != nil || !ok {
		t.Fatalf("AcceptTurn for another user with the same key = %v, %v; want created", ok, err)
	}

	tr, err := s.TurnByClientID(ctx, u.ID, "client-1")
	must(t, err)
	if tr.Status != store.TurnPending || tr.Text != "log $5 coffee" || string(tr.Context) != `{"timezone":"UTC"}` {
		t.Errorf("TurnByClientID = %+v", tr)
	}
	_, err = s.TurnByClientID(ctx, other.ID, "client-2")
	wantNotFound(t, "TurnByClientID(unknown)", err)

	pending, err := s.PendingTurns(ctx, 100)
	must(t, err)
	if !hasTurn(pending, tr.ID) || !hasTurn(pending, ot.ID) {
		t.Fatalf("PendingTurns lacks the accepted turns")
	}
	if a, err := s.FailTurnAttempt(ctx, tr.ID, "model down", false); err != nil || a != 1 {
		t.Errorf("FailTurnAttempt = %d, %v; want 1", a, err)
	}
	if a, err := s.FailTurnAttempt(ctx, ot.ID, "gave up", true); err != nil || a != 1 {
		t.Errorf("final FailTurnAttempt = %d, %v", a, err)
	}
	must(t, s.CompleteTurn(ctx, tr.ID, "msg-1", 7))
	wantNotFound(t, "CompleteTurn(unknown)", s.CompleteTurn(ctx, "nope", "m", 1))
	tr, _ = s.TurnByClientID(ctx, u.ID, "client-1")
	if tr.Status != store.TurnDone || tr.ReplyMessageID != "msg-1" || tr.ReplySeq != 7 || tr.Attempts != 1 || tr.LastError != "model down" {
		t.Errorf("after CompleteTurn: %+v", tr)
	}
	failed, _ := s.TurnByClientID(ctx, other.ID, "client-1")
	if failed.Status != store.TurnFailed {
		t.Errorf("final failure status = %q, want failed", failed.Status)
	}
	pending, _ = s.PendingTurns(ctx, 100)
	if hasTurn(pending, tr.ID) || hasTurn(pending, ot.ID) {
		t.Error("done/failed turns still pending")
	}
	// A repeat after completion returns the finished turn with its reply.
	again, ok, err := s.AcceptTurn(ctx, &store.Turn{UserID: u.ID, ClientMessageID: "client-1", Text: "dup"})
	must(t, err)
	if ok || again.ReplySeq != 7 || again.Text != "log $5 coffee" {
		t.Errorf("repeat AcceptTurn = %+v, created=%v", again, ok)
	}
}

func hasTurn(ts []store.Turn, id string) bool {
	for _, t := range ts {
		if t.ID == id {
			return true
		}
	}
	return false
}
