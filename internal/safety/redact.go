package safety

import (
	"math"
	"regexp"
	"sort"
	"strings"
)

// Finding is one redacted span of the input: its kind and byte offsets.
// It never holds the value.
type Finding struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Kinds of secret Redact finds.
const (
	SecretAnthropicKey = "anthropic_key"
	SecretOpenAIKey    = "openai_key"
	SecretAWSKey       = "aws_access_key"
	SecretGitHubToken  = "github_token"
	SecretStripeKey    = "stripe_key"
	SecretGoogleKey    = "google_key"
	SecretSlackToken   = "slack_token"
	SecretJWT          = "jwt"
	SecretPrivateKey   = "private_key"
	SecretAssigned     = "secret"       // a value assigned to key/secret/token/password
	SecretBearer       = "bearer_token" // Authorization: Bearer …
	SecretURLCred      = "url_credentials"
	SecretCardNumber   = "card_number"
)

type secretPattern struct {
	typ   string
	re    *regexp.Regexp
	group int // the submatch that is the secret; 0 = whole match
	check func(string) bool
	pre   prefilter
}

func init() {
	for i := range secretPatterns {
		secretPatterns[i].pre = newPrefilter(secretPatterns[i].re.String())
	}
}

// digitCount counts ASCII digits, to skip the card pattern on texts with too few.
func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

var secretPatterns = []secretPattern{
	{typ: SecretPrivateKey, re: regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*)`)},
	{typ: SecretAnthropicKey, re: regexp.MustCompile(`\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{20,}|\bsk-ant-[A-Za-z0-9_\-]{20,}`)},
	{typ: SecretOpenAIKey, re: regexp.MustCompile(`\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}`), check: func(s string) bool { return !strings.HasPrefix(s, "sk-ant-") }},
	{typ: SecretAWSKey, re: regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b`)},
	{typ: SecretGitHubToken, re: regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`)},
	{typ: SecretStripeKey, re: regexp.MustCompile(`\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9]{20,}`)},
	{typ: SecretGoogleKey, re: regexp.MustCompile(`\bAIza[0-9A-Za-z_\-]{35}|\bya29\.[0-9A-Za-z_\-]{20,}|\bGOCSPX-[0-9A-Za-z_\-]{20,}`)},
	{typ: SecretSlackToken, re: regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9\-]{10,}`)},
	{typ: SecretJWT, re: regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}`)},
	{typ: SecretURLCred, re: regexp.MustCompile(`\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]+:([^\s@/]{3,})@`), group: 1},
	{typ: SecretBearer, re: regexp.MustCompile(`(?i)\b(?:bearer|basic|token)\s+([A-Za-z0-9_\-.~+/=]{16,})`), group: 1},
	// A value assigned to a key-like name: passwords always, other names when
	// the value looks random (entropy), so "token: required" stays.
	{typ: SecretAssigned, re: regexp.MustCompile(`(?i)\b(?:passw(?:or)?d|pwd|passphrase)["']?\s*(?:[:=]|\bis\b)\s*["']?([^\s"',;]{4,})`), group: 1},
	{typ: SecretAssigned, re: regexp.MustCompile(`(?i)\b[a-z0-9_\-]*(?:api[_\-]?key|apikey|secret|token|access[_\-]?key|private[_\-]?key|client[_\-]?secret|auth|credential|session[_\-]?id|signature|sig)["']?\s*[:=]\s*["']?([A-Za-z0-9_\-.~+/=]{12,})`), group: 1, check: highEntropy},
	{typ: SecretCardNumber, re: regexp.MustCompile(`\b\d(?:[ \-]?\d){12,18}\b`), check: cardNumber},
}

// highEntropy reports whether s looks random: long enough, mixed classes and
// at least 3 bits of Shannon entropy per character.
func highEntropy(s string) bool {
	if len(s) < 12 {
		return false
	}
	var classes int
	for _, set := range []string{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"} {
		if strings.ContainsAny(s, set) {
			classes++
		}
	}
	if classes < 2 {
		return false
	}
	freq := map[rune]float64{}
	for _, r := range s {
		freq[r]++
	}
	var h float64
	n := float64(len(s))
	for _, c := range freq {
		p := c / n
		h -= p * math.Log2(p)
	}
	return h >= 3.0
}

// cardNumber reports whether the digits of s (13–19 of them) pass the Luhn check.
func cardNumber(s string) bool {
	var digits []int
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits = append(digits, int(r-'0'))
		}
	}
	if len(digits) < 13 || len(digits) > 19 {
		return false
	}
	allSame := true
	for _, d := range digits {
		if d != digits[0] {
			allSame = false
		}
	}
	if allSame {
		return false
	}
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := digits[i]
		if (len(digits)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Redact replaces every secret in s — Anthropic, OpenAI, AWS, GitHub, Stripe,
// Google and Slack keys, JWTs, private keys, credentials in URLs, bearer
// tokens, random-looking values assigned to key/secret/token names, any value
// assigned to a password, and payment card numbers (Luhn-valid) — with
// "[REDACTED:type]". Findings give each span's type and byte offsets in s,
// never the value.
func Redact(s string) (string, []Finding) {
	var found []Finding
	lits := pooledLiteralCache(s)
	defer lits.release()
	enoughDigits := digitCount(s) >= 13
	for _, p := range secretPatterns {
		if !lits.mayMatch(p.pre) || (p.typ == SecretCardNumber && !enoughDigits) {
			continue
		}
		for _, m := range p.re.FindAllStringSubmatchIndex(s, -1) {
			start, end := m[0], m[1]
			if p.group > 0 {
				if m[2*p.group] < 0 {
					continue
				}
				start, end = m[2*p.group], m[2*p.group+1]
			}
			if p.check != nil && !p.check(s[start:end]) {
				continue
			}
			found = append(found, Finding{Type: p.typ, Start: start, End: end})
		}
	}
	if len(found) == 0 {
		return s, nil
	}
	// Earliest first; of overlapping spans keep the first listed (the most
	// specific pattern comes first in secretPatterns), then the longest.
	sort.SliceStable(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	kept := found[:0]
	for _, f := range found {
		if n := len(kept); n > 0 && f.Start < kept[n-1].End {
			if f.End > kept[n-1].End && kept[n-1].Type == SecretAssigned {
				kept[n-1].End = f.End
			}
			continue
		}
		kept = append(kept, f)
	}
	var b strings.Builder
	last := 0
	for _, f := range kept {
		b.WriteString(s[last:f.Start])
		b.WriteString("[REDACTED:")
		b.WriteString(f.Type)
		b.WriteString("]")
		last = f.End
	}
	b.WriteString(s[last:])
	return b.String(), kept
}

// RedactString is Redact without the findings, for callers that take a func(string) string.
func RedactString(s string) string {
	out, _ := Redact(s)
	return out
}
