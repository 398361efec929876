package sqlstore

import (
	"context"
	"database/sql"
	"slices"

	"github.com/pamtravel/pam/internal/store"
)

const convCols = "id, user_id, title, created_at, updated_at"

func scanConv(r scanner) (store.Conversation, error) {
	var c store.Conversation
	err := r.Scan(&c.ID, &c.UserID, &c.Title, timeScan{&c.CreatedAt}, timeScan{&c.UpdatedAt})
	return c, err
}

// CreateConversation stores c for c.UserID, filling ID and times.
func (s *Store) CreateConversation(ctx context.Context, c *store.Conversation) error {
	t := now()
	id := NewID()
	err := s.write(ctx, "create conversation", func(q querier) error {
		at := s.ts(t)
		_, err := s.exec(ctx, q, "INSERT INTO conversations ("+convCols+") VALUES (?, ?, ?, ?, ?)", id, &c.UserID, &c.Title, at, at)
		if tx, ok := q.(*txn); ok && err == nil {
			tx.createdConversation(id, c.UserID, t)
		}
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		c.ID, c.CreatedAt, c.UpdatedAt = id, t, t
	}
	return err
}

// ConversationByID returns the user's conversation.
func (s *Store) ConversationByID(ctx context.Context, userID, id string) (*store.Conversation, error) {
	return getOne(ctx, s, "conversation by id", "conversation", scanConv,
		"SELECT "+convCols+" FROM conversations WHERE id = ? AND user_id = ?", id, userID)
}

// ListConversations lists the user's conversations, newest first.
func (s *Store) ListConversations(ctx context.Context, userID string, p store.Page) ([]store.Conversation, string, error) {
	return getPage(ctx, s, "list conversations", p, true, scanConv, func(c *store.Conversation) string { return c.ID },
		"SELECT "+convCols+" FROM conversations", "user_id = ?", userID)
}

const msgCols = "id, conversation_id, user_id, role, content, client_message_id, source, degraded, meta, created_at"

func scanMsg(r scanner) (m store.Message, err error) {
	dest := msgDest(&m)
	err = r.Scan(dest[:]...)
	return m, err
}

// scanMsgTo scans into m; on the concrete *sql.Rows the destinations stay on the stack.
func scanMsgTo(r *sql.Rows, m *store.Message) error {
	dest := msgDest(m)
	return r.Scan(dest[:]...)
}

func msgDest(m *store.Message) [10]any {
	return [10]any{&m.ID, &m.ConversationID, &m.UserID, &m.Role, &m.Content, &m.ClientMessageID, &m.Source, &m.Degraded,
		jsonScan{&m.Meta}, timeScan{&m.CreatedAt}}
}

// AppendMessage stores m in the user's conversation and touches the
// conversation. The first message of a conversation created in the same
// transaction takes the conversation's time instead: it is already touched.
func (s *Store) AppendMessage(ctx context.Context, m *store.Message) error {
	if err := checkJSON("meta", m.Meta); err != nil {
		return err
	}
	t := now()
	id := m.ID
	if id == "" {
		id = NewID()
	}
	err := s.writeTx(ctx, "append message", func(q querier) error {
		touch := true
		if tx, ok := q.(*txn); ok {
			if at, ok := tx.firstMessage(m.ConversationID, m.UserID); ok {
				t, touch = at, false // the conversation was created in this transaction, at t
			}
		}
		// Values bound by both statements are boxed once; fields of m, on
		// the heap already, bind through pointers (no boxing at all).
		at, convID, userID := s.ts(t), any(&m.ConversationID), any(&m.UserID)
		if touch {
			n, err := s.exec(ctx, q, "UPDATE conversations SET updated_at = ? WHERE id = ? AND user_id = ?", at, convID, userID)
			if err != nil {
				return err
			}
			if n == 0 {
				return notFound("conversation")
			}
		}
		_, err := s.exec(ctx, q, "INSERT INTO messages ("+msgCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, convID, userID, &m.Role, &m.Content, &m.ClientMessageID, &m.Source, m.Degraded, s.json(&m.Meta), at)
		return err
	})
	if err == nil {
		m.ID, m.CreatedAt = id, t
	}
	return err
}

// ListMessages lists a conversation's messages, oldest first.
func (s *Store) ListMessages(ctx context.Context, userID, conversationID string, p store.Page) ([]store.Message, string, error) {
	if err := s.read(ctx, "list messages", func(q querier) error {
		return s.ownsConversation(ctx, q, userID, conversationID)
	}); err != nil {
		return nil, "", err
	}
	return getPage(ctx, s, "list messages", p, false, scanMsg, func(m *store.Message) string { return m.ID },
		"SELECT "+msgCols+" FROM messages", "conversation_id = ? AND user_id = ?", conversationID, userID)
}

// RecentMessages returns the newest limit messages, oldest first.
func (s *Store) RecentMessages(ctx context.Context, userID, conversationID string, n int) ([]store.Message, error) {
	if n <= 0 {
		return nil, nil
	}
	// One operation: the query is scoped to the user already, so only an
	// empty result needs the ownership check that tells an empty conversation
	// of theirs from a missing one.
	var out []store.Message
	err := s.read(ctx, "recent messages", func(q querier) error {
		rows, err := s.query(ctx, q, "SELECT "+msgCols+" FROM messages WHERE conversation_id = ? AND user_id = ? ORDER BY id DESC LIMIT ?",
			conversationID, userID, n)
		if err != nil {
			return err
		}
		if out, err = collectTo(rows, scanMsgTo); err != nil || len(out) > 0 {
			return err
		}
		return s.ownsConversation(ctx, q, userID, conversationID)
	})
	if err != nil {
		return nil, err
	}
	slices.Reverse(out)
	return out, nil
}

// CountMessages counts a conversation's messages.
func (s *Store) CountMessages(ctx context.Context, userID, conversationID string) (int, error) {
	var c int
	err := s.read(ctx, "count messages", func(q querier) error {
		if err := s.ownsConversation(ctx, q, userID, conversationID); err != nil {
			return err
		}
		return s.row(ctx, q, "SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND user_id = ?", conversationID, userID).Scan(&c)
	})
	return c, err
}

// DeleteConversationMessages empties the user's conversation.
func (s *Store) DeleteConversationMessages(ctx context.Context, userID, conversationID string) error {
	return s.writeTx(ctx, "delete conversation messages", func(q querier) error {
		if err := s.ownsConversation(ctx, q, userID, conversationID); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, "DELETE FROM messages WHERE conversation_id = ? AND user_id = ?", conversationID, userID)
		return err
	})
}

func (s *Store) ownsConversation(ctx context.Context, q querier, userID, id string) error {
	return s.owns(ctx, q, "conversations", "conversation", userID, id)
}

// owns reports ErrNotFound unless the row of table with id belongs to userID.
func (s *Store) owns(ctx context.Context, q querier, table, what, userID, id string) error {
	var one int
	err := s.row(ctx, q, "SELECT 1 FROM "+table+" WHERE id = ? AND user_id = ?", id, userID).Scan(&one)
	return s.scanErr(what, err)
}
