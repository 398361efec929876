package sqlstore

import (
	"database/sql"
	"sync"
	"time"
)

// txn is a transaction opened by InTx or InTxContext, and what its
// operations tell the later ones.
type txn struct {
	*sql.Tx

	mu sync.Mutex
	// newConv is the conversation this transaction created last, until a
	// message is appended to it or a user is deleted. Nothing else can change
	// or remove the uncommitted row, so appending its first message needs no
	// UPDATE to touch it or to check whose it is: the message takes the
	// conversation's time, which is its updated_at already.
	newConv createdConv
}

type createdConv struct {
	id, userID string
	at         time.Time
}

// createdConversation remembers the conversation the transaction just created.
func (t *txn) createdConversation(id, userID string, at time.Time) {
	t.mu.Lock()
	t.newConv = createdConv{id, userID, at}
	t.mu.Unlock()
}

// firstMessage reports whether the transaction created the user's
// conversation id and nothing was appended to it since, with its time; the
// conversation is forgotten then, as its first message is being appended.
func (t *txn) firstMessage(id, userID string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.newConv
	if c.id == "" || c.id != id || c.userID != userID {
		return time.Time{}, false
	}
	t.newConv = createdConv{}
	return c.at, true
}

// forgetConversations drops what the transaction remembers of conversations,
// after a statement that may have deleted them.
func (t *txn) forgetConversations() {
	t.mu.Lock()
	t.newConv = createdConv{}
	t.mu.Unlock()
}
