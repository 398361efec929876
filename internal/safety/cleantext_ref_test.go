package safety

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/pamerr"
)

// refCleanText is CleanText before it returned clean messages without
// copying them, kept as the reference it must match.
func refCleanText(s string, l Limits) (string, error) {
	l = l.withDefaults()
	if len(s) > 4*l.MaxChars+1024 {
		return "", tooLarge(l)
	}
	if !utf8.ValidString(s) {
		return "", pamerr.Invalid("text", "the message is not valid UTF-8 text")
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := rune(0)
	for i, r := range s {
		if r == '\r' {
			if !strings.HasPrefix(s[i+1:], "\n") {
				b.WriteByte('\n')
			}
			continue
		}
		if r == '\u200d' && emojiJoinerAt(prev, s[i+len("\u200d"):]) {
			b.WriteRune(r)
			continue
		}
		if invisible(r) {
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	out := strings.TrimSpace(b.String())
	if out == "" {
		return "", pamerr.Invalid("text", "the message is empty")
	}
	if utf8.RuneCountInString(out) > l.MaxChars {
		return "", tooLarge(l)
	}
	return out, nil
}

var cleanTextSeeds = []string{
	"I spent $12.25 on groceries at Walmart", "  plan a trip to Moab \n", "line one\r\nline two\rthree",
	"zero\u200bwidth", "👍\u200d🔥 family", "a\u200db", "\x00nul\x07bell", "\ufeffBOM", "tab\there", "", " ", "\xff bad",
	"ok\u2028sep", "soft\u00adhyphen", "rtl\u202eoverride",
}

func FuzzCleanTextMatchesReference(f *testing.F) {
	for _, s := range cleanTextSeeds {
		f.Add(s, 0)
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, maxChars int) {
		l := Limits{MaxChars: maxChars % 4096}
		got, err := CleanText(s, l)
		want, wantErr := refCleanText(s, l)
		if got != want || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("CleanText(%q, %d) = %q, %v; reference %q, %v", s, l.MaxChars, got, err, want, wantErr)
		}
	})
}

// A message with nothing to remove is returned as it is, trimmed.
func TestCleanTextOfACleanMessageAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	msg := "I spent $12.25 on groceries at Walmart"
	if n := testing.AllocsPerRun(100, func() { _, _ = CleanText(msg, Limits{}) }); n != 0 {
		t.Fatalf("CleanText: %v allocations, want 0", n)
	}
}
