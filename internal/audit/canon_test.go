package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// The oracle: the decode-and-marshal implementation canon replaced. canon
// must produce exactly what it produces, for every input.

func oracleRedactArgs(l *Log, raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		out, _ := json.Marshal(l.redact(string(raw)))
		return out
	}
	out, err := json.Marshal(oracleWalk(l, v))
	if err != nil {
		out, _ = json.Marshal(l.redact(string(raw)))
	}
	return out
}

func oracleWalk(l *Log, v any) any {
	switch x := v.(type) {
	case string:
		return l.redact(x)
	case []any:
		for i := range x {
			x[i] = oracleWalk(l, x[i])
		}
		return x
	case map[string]any:
		for k, val := range x {
			if oracleSensitiveKey(k) {
				x[k] = "[REDACTED]"
				continue
			}
			x[k] = oracleWalk(l, val)
		}
		return x
	default:
		return v
	}
}

func oracleSensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "cookie", "private_key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

func oracleCanonicalJSON(raw json.RawMessage) string {
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

func oracleHash(r *store.AuditRecord) string {
	var b bytes.Buffer
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		b.Write(n[:])
		b.WriteString(s)
	}
	field(hashVersion)
	field(strconv.FormatInt(r.Seq, 10))
	field(oracleTime(r.Time))
	field(r.UserID)
	field(r.RequestID)
	field(r.Kind)
	field(r.Action)
	field(oracleCanonicalJSON(r.Args))
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

func oracleTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

// redactors the differential tests run with: none, a real-looking one, and
// ones that put characters needing escapes, or invalid UTF-8, into strings.
var redactors = []func(string) string{
	nil,
	func(s string) string { return strings.ReplaceAll(s, "sk-", "[REDACTED]") },
	func(s string) string { return strings.ReplaceAll(s, "a", "\xff<\u2028&\x01") },
	func(s string) string { return s + "\xe2\x80" },
}

// checkAgainstOracle fails unless redactArgs, canonicalJSON, Hash and
// hashRecorded agree with the oracle on raw under redactor i.
func checkAgainstOracle(t *testing.T, raw []byte, i int) {
	t.Helper()
	l := New(&memLog{}, redactors[i%len(redactors)], nil)
	got, want := l.redactArgs(bytes.Clone(raw)), oracleRedactArgs(l, bytes.Clone(raw))
	if !bytes.Equal(got, want) {
		t.Fatalf("redactArgs(%q) with redactor %d\n got %q\nwant %q", raw, i%len(redactors), got, want)
	}
	if got, want := canonicalJSON(raw), oracleCanonicalJSON(raw); got != want {
		t.Fatalf("canonicalJSON(%q)\n got %q\nwant %q", raw, got, want)
	}
	r := &store.AuditRecord{Seq: 7, Time: fixedNow(), Kind: KindTool, Action: "x", Args: raw, PrevHash: "p"}
	if got, want := Hash(r), oracleHash(r); got != want {
		t.Fatalf("Hash over args %q = %s, want %s", raw, got, want)
	}
	r.Args = want
	if got, want := hashRecorded(r), oracleHash(r); got != want {
		t.Fatalf("hashRecorded over recorded args %q = %s, want %s", r.Args, got, want)
	}
}

var canonCases = []string{
	``, ` `, " \v ", `null`, `true`, `false`, `0`, `-0`, `1.50`, `1e5`, `-1.5E+03`, `12345678901234567890123`,
	`"x"`, `{}`, `[]`, ` {"b":1, "a":2} `, `{"a":1,"a":2}`, `{"b":[1,{"d":null,"c":true}],"a":"x"}`,
	`{"Password":"p","nested":{"API_KEY":{"x":"y"}},"list":[{"token":1}]}`, `{"K\u212aToken":"x","PR\u0130VATE_KEY":"y"}`,
	`{"note":"<b>&amp;</b>","s":"\u2028\u2029\u0000\u001f\b\f\n\r\t\"\\\/"}`, `{"\u00e9":1,"e":2,"E":3,"":4}`,
	`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`, `"\ud83d\ud83d\ude00"`, `"\ud83dx"`, `"\uD83D\uDE00"`, "\"\xff\xfe\"", "\"\xe2\x82\"",
	"\"\xef\xbf\xbd\"", `"\ufffd"`, `"sk-abc a"`,
	`{"a":1} `, `{"a":1}}`, `{"a":1}]`, `{"a":1}]x`, `{"a":1} x`, `{"a":1}{}`, `1x`, `1]`, `0}`, `01`, `-`, `1.`, `1e`, `1e+`, `.5`,
	`tru`, `truex`, `nul`, `[1,]`, `[,1]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `"unclosed`, "\"tab\there\"", `"\x"`, `"\u12"`,
	`[1 2]`, `{"a":[}`, "\ufeff{}", `[[[[]]]]`, "[\r\n\t1 , 2 ]",
}

func TestCanonMatchesOracle(t *testing.T) {
	for _, c := range canonCases {
		for i := range redactors {
			checkAgainstOracle(t, []byte(c), i)
		}
	}
}

// encoding/json refuses documents nested deeper than 10000 levels.
func TestCanonNestingLimit(t *testing.T) {
	for _, depth := range []int{10000, 10001} {
		doc := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		checkAgainstOracle(t, []byte(doc), 0)
		obj := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
		checkAgainstOracle(t, []byte(obj), 1)
	}
}

func FuzzCanon(f *testing.F) {
	for i, c := range canonCases {
		f.Add([]byte(c), uint8(i))
	}
	f.Fuzz(func(t *testing.T, raw []byte, redactor uint8) {
		checkAgainstOracle(t, raw, int(redactor))
	})
}

// A chain mixing rows recorded before this change (oracle hash over the
// oracle's args) and after it verifies, and tampering is still detected.
func TestMixedChainVerifies(t *testing.T) {
	m := &memLog{}
	redact := redactors[2]
	old := New(m, redact, fixedNow)
	for _, c := range []string{`{"b":"a\xff","a":1}`, `{"note":"<a>"}`} {
		r := store.AuditRecord{Time: fixedNow(), Kind: KindTool, Action: "old", Args: oracleRedactArgs(old, json.RawMessage(c))}
		if err := m.AppendAudits(context.Background(), []*store.AuditRecord{&r}, oracleHash); err != nil {
			t.Fatal(err)
		}
	}
	recs := []store.AuditRecord{
		{Kind: KindMoney, Action: "calc", Args: json.RawMessage(`{"tool":"x","inputs":{"a":"1"},"result":"a\\u2028"}`)},
		{Kind: KindTool, Action: "new", Args: json.RawMessage(`{"b":"a\xff","password":"x"}`)},
	}
	if err := old.RecordAll(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if n, err := Verify(context.Background(), m); err != nil || n != 4 {
		t.Fatalf("mixed chain: %d rows verified, %v", n, err)
	}
	m.rows[3].Args = json.RawMessage(`{"b":"a\ufffd","password":"y"}`)
	if _, err := Verify(context.Background(), m); !errors.Is(err, ErrTampered) {
		t.Fatalf("tampered args not detected: %v", err)
	}
}
