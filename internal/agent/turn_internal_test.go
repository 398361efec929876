package agent

import (
	"strconv"
	"strings"
	"testing"
)

func TestCallKeyCountsEachToolsCalls(t *testing.T) {
	a := &Agent{}
	for range 2 { // the second turn's first keys are remembered ones
		tr := &turn{agent: a}
		tr.calls = tr.callsBuf[:0]
		var got []string
		for _, tool := range []string{"a", "b", "a", "c", "a", "d", "b"} {
			got = append(got, tr.callKey(tool))
		}
		if want := "a#1 b#1 a#2 c#1 a#3 d#1 b#2"; strings.Join(got, " ") != want {
			t.Fatalf("keys %q, want %q", got, want)
		}
	}
}

// A tool's first call key is built once per agent; past the bound, keys are
// still right, only built again.
func TestFirstCallKeysAreRemembered(t *testing.T) {
	var f firstCallKeys
	for i := range maxFirstCallKeys + 10 {
		tool := "tool" + strconv.Itoa(i)
		if k := f.key(tool); k != tool+"#1" {
			t.Fatalf("key(%q) = %q", tool, k)
		}
	}
	if n := len(*f.keys.Load()); n != maxFirstCallKeys {
		t.Fatalf("%d keys remembered, want %d", n, maxFirstCallKeys)
	}
	if raceEnabled {
		return
	}
	if n := testing.AllocsPerRun(100, func() { _ = f.key("tool0") }); n != 0 {
		t.Fatalf("a remembered key: %v allocations, want 0", n)
	}
}

// refYesOrNo is yesOrNo before its first-letter shortcut.
func refYesOrNo(text string) (yes, no bool) {
	text = strings.ToLower(strings.TrimSpace(text))
	return affirmative.MatchString(text), negative.MatchString(text)
}

func FuzzYesOrNoMatchesReference(f *testing.F) {
	for _, s := range []string{"yes", " Yes! ", "OK.", "Okay", "sure", "please do", "Do it", "go ahead", "y", "n", "No",
		"nope", "Cancel", "don't", "Do not", "STOP", "never mind", "I spent $12 on food", "", " ", "\u212aay", "İ", "yes please", "Y E S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y1, n1 := yesOrNo(s)
		y2, n2 := refYesOrNo(s)
		if y1 != y2 || n1 != n2 {
			t.Fatalf("yesOrNo(%q) = %v %v, reference %v %v", s, y1, n1, y2, n2)
		}
	})
}

func TestYesOrNoSkipsLowerCasingOtherMessages(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { yesOrNo("I spent $12.25 on groceries at Walmart") }); n != 0 {
		t.Fatalf("yesOrNo of an ordinary message: %v allocations, want 0", n)
	}
}
