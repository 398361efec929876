package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// hashVersion is mixed into every hash so the encoding can evolve without
// old rows silently verifying under a new meaning.
const hashVersion = "pam-audit-v1"

// Hash returns the hex SHA-256 of a canonical encoding of every field of r
// except Hash itself, PrevHash included. Each field is length-prefixed, so no
// two different records share an encoding. Time is taken in UTC at microsecond
// precision (what PostgreSQL keeps) and Args as canonical JSON (keys sorted,
// insignificant space removed), so a database that re-encodes JSON (JSONB)
// does not break the chain.
func Hash(r *store.AuditRecord) string {
	return hashWith(r, canonicalJSON(r.Args))
}

// hashRecorded is Hash for a record whose Args redactArgs wrote. Those are
// already canonical unless they hold an escaped U+FFFD, which stands for
// invalid UTF-8 that canonicalJSON decodes to a literal U+FFFD (or is a
// string's literal backslash-u text): only then is the re-encoding needed.
func hashRecorded(r *store.AuditRecord) string {
	if bytes.Contains(r.Args, []byte(`\ufffd`)) {
		return Hash(r)
	}
	return hashWith(r, []byte(r.Args))
}

// hashWith hashes r with args standing for its canonical Args.
func hashWith[S string | []byte](r *store.AuditRecord, args S) string {
	var scratch [1024]byte
	b := scratch[:0]
	b = appendField(b, hashVersion)
	b = appendIntField(b, r.Seq)
	b = appendTimeField(b, r.Time)
	b = appendField(b, r.UserID)
	b = appendField(b, r.RequestID)
	b = appendField(b, r.Kind)
	b = appendField(b, r.Action)
	b = appendField(b, args)
	b = appendField(b, r.Outcome)
	b = appendField(b, r.Error)
	b = appendIntField(b, r.DurationMs)
	b = appendField(b, r.Cost)
	b = appendField(b, r.ClientAddr)
	b = appendField(b, r.UserAgent)
	b = appendField(b, r.PrevHash)
	sum := sha256.Sum256(b)
	var digest [2 * sha256.Size]byte
	hex.Encode(digest[:], sum[:]) // on the stack: only the string is allocated
	return string(digest[:])
}

// appendField appends s with its length as 8 big-endian bytes before it.
func appendField[S string | []byte](b []byte, s S) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

func appendIntField(b []byte, n int64) []byte {
	var num [20]byte
	return appendField(b, strconv.AppendInt(num[:0], n, 10))
}

// appendTimeField appends t in UTC at microsecond precision, RFC 3339; the
// zero time as the empty string.
func appendTimeField(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return appendField(b, "")
	}
	var ts [64]byte
	return appendField(b, t.UTC().Truncate(time.Microsecond).AppendFormat(ts[:0], time.RFC3339Nano))
}

// canonicalJSON re-encodes raw with sorted object keys and exact numbers.
// Invalid JSON is hashed as its raw bytes (it still changes the hash).
func canonicalJSON(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	out, ok := encodeCanonical(make([]byte, 0, len(raw)), string(raw), nil, false)
	if !ok {
		return "raw:" + string(raw)
	}
	return string(out)
}
