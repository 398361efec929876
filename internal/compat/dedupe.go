package compat

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
)

// DefaultDedupeWindow is how long a re-sent chat (same user, session_id and
// text) is taken for the first one.
const DefaultDedupeWindow = 2 * time.Minute

// TurnFinder reports when the user's turn with the durable client message id
// was accepted; found is false when there is none. (The store's
// TurnByClientID, so the window holds across instances and restarts.)
type TurnFinder func(ctx context.Context, userID, clientMessageID string) (accepted time.Time, found bool, err error)

// Dedupe gives the app's chats durable client message ids. The app has no
// idempotency key, but a client that lost its connection re-sends the same
// text with the same session_id: within Window of the first such message it
// gets the first one's id, so delivery answers it from the stored turn and
// runs (and charges) nothing twice. The id is derived, not remembered: a hash
// of user, session, text and the window-sized time slot, checked against the
// previous slot through the store, so any instance computes the same one.
type Dedupe struct {
	Window time.Duration
	Find   TurnFinder
}

// ID returns the durable client message id for a chat at now. Without a
// session_id nothing identifies a re-send, and every chat gets a fresh id.
func (d Dedupe) ID(ctx context.Context, userID, sessionID, text string, now time.Time, fresh func() string) (string, error) {
	text = strings.Join(strings.Fields(text), " ")
	if sessionID == "" || d.Window <= 0 || d.Find == nil {
		return fresh(), nil
	}
	slot := now.UnixNano() / int64(d.Window)
	prev := slotID(userID, sessionID, text, slot-1)
	at, found, err := d.Find(ctx, userID, prev)
	if err != nil {
		return "", err
	}
	if found && now.Sub(at) < d.Window {
		return prev, nil
	}
	return slotID(userID, sessionID, text, slot), nil
}

func slotID(userID, sessionID, text string, slot int64) string {
	h := sha256.New()
	for _, s := range []string{userID, sessionID, text} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(slot))
	h.Write(n[:])
	return "compat-" + hex.EncodeToString(h.Sum(nil)[:16])
}
