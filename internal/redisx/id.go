package redisx

import (
	"crypto/rand"
	"encoding/hex"
)

// newMember returns a random id for a concurrency slot or an instance.
func newMember() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
