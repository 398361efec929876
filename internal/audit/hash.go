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
	var b bytes.Buffer
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		b.Write(n[:])
		b.WriteString(s)
	}
	field(hashVersion)
	field(strconv.FormatInt(r.Seq, 10))
	field(canonicalTime(r.Time))
	field(r.UserID)
	field(r.RequestID)
	field(r.Kind)
	field(r.Action)
	field(canonicalJSON(r.Args))
	field(r.Outcome)
	field(r.Error)
	field(strconv.FormatInt(r.DurationMs, 10))
	field(r.Cost)
	field(r.ClientAddr)
	field(r.UserAgent)
	field(r.PrevHash)
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

func canonicalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

// canonicalJSON re-encodes raw with sorted object keys and exact numbers.
// Invalid JSON is hashed as its raw bytes (it still changes the hash).
func canonicalJSON(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return "raw:" + string(raw)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "raw:" + string(raw)
	}
	return string(out)
}
