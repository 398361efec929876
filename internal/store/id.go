package store

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// NewID returns a new record id: a UUIDv7 in its canonical text form, so ids
// sort by creation time. Callers that must name a row before inserting it (a
// turn names its message) take one here.
//
// It is github.com/google/uuid's NewV7().String() (same layout, same
// sub-millisecond sequence that keeps ids of one process strictly
// increasing) built in a fixed array, so an id costs one allocation, its
// string, instead of two: one id is made per stored row, several per turn.
func NewID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails; it does not let u escape
	ms, seq := v7Time()
	u[0], u[1], u[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	u[3], u[4], u[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = 0x70 | 0x0f&byte(seq>>8) // version 7, high bits of the sequence
	u[7] = byte(seq)
	u[8] = 0x80 | 0x3f&u[8] // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], u[10:16])
	return string(s[:])
}

// v7Clock is the last (milliseconds<<12 | sequence) handed out by v7Time.
var v7Clock struct {
	sync.Mutex
	last int64
}

// v7Time returns the Unix time in milliseconds and a 12-bit sequence (the
// nanoseconds within the millisecond / 256) whose combination is greater
// than any returned before, as uuid's getV7Time does.
func v7Time() (ms, seq int64) {
	nano := time.Now().UnixNano()
	ms = nano / 1e6
	seq = (nano - ms*1e6) >> 8
	now := ms<<12 + seq
	v7Clock.Lock()
	if now <= v7Clock.last {
		now = v7Clock.last + 1
		ms, seq = now>>12, now&0xfff
	}
	v7Clock.last = now
	v7Clock.Unlock()
	return ms, seq
}
