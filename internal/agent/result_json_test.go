package agent

import (
	"encoding/json"
	"testing"

	"github.com/pamtravel/pam/internal/tools"
)

// A result's text is what json.Marshal made of it before resultText built
// it by hand.
func FuzzResultTextMatchesMarshal(f *testing.F) {
	for _, s := range []struct {
		status, summary, errText, disclaimer, data string
		hasData, stale, partial                    bool
	}{
		{"ok", "Logged $12.25 for groceries at Walmart.", "", "", `{"expense":{"id":"e1","amount":{"amount":"12.25","currency":"USD"}}}`, true, false, false},
		{"ok", "Café – 5 €", "", "Rates vary.", `{"note":"a b","x":[1,2.5e3,true,null]}`, true, true, true},
		{"failed", "", "boom <b>", "", ``, false, false, false},
		{"ok", "", "", "", ` {"a" : 1}`, true, false, false},
		{"ok", "a\u2028b", "\"quoted\"\n", "", `"\u2028"`, true, false, false},
		{"ok", "", "", "", "\"\xe2\x80\xa8\"", true, false, false},
		{"ok", "bad \xff", "", "", `{"a":"x\"y"}`, true, false, false},
		{"ok", "", "", "", `{"a":`, true, false, false},
		{"ok", "", "", "", ``, true, false, false},
		{"ok", "", "", "", `{"html":"&amp;"}`, true, false, false},
	} {
		f.Add(s.status, s.summary, s.errText, s.disclaimer, s.data, s.hasData, s.stale, s.partial)
	}
	f.Fuzz(func(t *testing.T, status, summary, errText, disclaimer, data string, hasData, stale, partial bool) {
		res := tools.Result{Status: tools.Status(status), Summary: summary, Error: errText, Disclaimer: disclaimer, Stale: stale, Partial: partial}
		if hasData {
			res.Data = json.RawMessage(data)
		}
		want := `{"status":"failed","error":"the tool's result could not be encoded"}`
		if body, err := json.Marshal(res); err == nil {
			want = string(body)
		}
		if got := resultText(&res); got != want {
			t.Fatalf("resultText(%+v) = %s, json.Marshal %s", res, got, want)
		}
	})
}

// A plain result's text costs one allocation, the text itself.
func TestResultTextAllocations(t *testing.T) {
	res := tools.Result{Status: tools.StatusOK, Summary: "Logged $12.25 for groceries at Walmart.",
		Data: json.RawMessage(`{"expense":{"id":"e1","amount":{"amount":"12.25","currency":"USD"}}}`)}
	if got, _ := json.Marshal(res); resultText(&res) != string(got) {
		t.Fatalf("resultText = %s, json.Marshal %s", resultText(&res), got)
	}
	if raceEnabled {
		return
	}
	if n := testing.AllocsPerRun(100, func() { _ = resultText(&res) }); n != 1 {
		t.Fatalf("resultText: %v allocations, want 1", n)
	}
}
