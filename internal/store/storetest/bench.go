package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pamtravel/pam/internal/store"
)

// BenchTurnWrites measures CreateExpense + AppendMessage, the two hottest
// writes of a chat turn that logs an expense.
func BenchTurnWrites(b *testing.B, s store.Store) {
	ctx := context.Background()
	u := &store.User{Email: "bench@example.com"}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	c := &store.Conversation{UserID: u.ID}
	if err := s.CreateConversation(ctx, c); err != nil {
		b.Fatal(err)
	}
	amt := usd("12.34")
	meta := json.RawMessage(`{"tool_calls":[{"name":"create_expense","status":"ok"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: amt, Category: "food", Date: "2026-01-01"}); err != nil {
			b.Fatal(err)
		}
		if err := s.AppendMessage(ctx, &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageAssistant,
			Content: "Logged $12.34 for food.", Meta: meta}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchTurnReads measures UserByID + RecentMessages, the reads every chat turn
// makes (the caller, then the conversation's history).
func BenchTurnReads(b *testing.B, s store.Store) {
	ctx := context.Background()
	u := &store.User{Email: "bench@example.com"}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	c := &store.Conversation{UserID: u.ID}
	if err := s.CreateConversation(ctx, c); err != nil {
		b.Fatal(err)
	}
	for range 20 {
		if err := s.AppendMessage(ctx, &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageUser, Content: "hello"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.UserByID(ctx, u.ID); err != nil {
			b.Fatal(err)
		}
		if ms, err := s.RecentMessages(ctx, u.ID, c.ID, 10); err != nil || len(ms) != 10 {
			b.Fatal(len(ms), err)
		}
	}
}
