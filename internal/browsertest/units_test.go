package browsertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/evanw/esbuild/pkg/api"
)

// unitEntry exposes the page's pure modules to the tests; it is bundled from the
// sources on disk, never shipped.
const unitEntry = `
import { validateContext } from "./chatcontext";
import { backoffDelay } from "./backoff";
import { formatMoney } from "./expenses";
import { parseServerFrame, wantsExpenseReload } from "./protocol";
import { Outbox } from "./outbox";
import { newID } from "./ids";
(window as any).pam = { validateContext, backoffDelay, formatMoney, parseServerFrame, wantsExpenseReload, Outbox, newID };
`

// unitPage serves the unit bundle on a page of its own.
func unitPage(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../web/src")
	if err != nil {
		t.Fatal(err)
	}
	res := api.Build(api.BuildOptions{
		Stdin:    &api.StdinOptions{Contents: unitEntry, ResolveDir: dir, Loader: api.LoaderTS, Sourcefile: "units.ts"},
		Bundle:   true,
		Write:    false,
		Format:   api.FormatESModule,
		Target:   api.ES2020,
		LogLevel: api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		t.Fatalf("bundle units: %v", res.Errors)
	}
	js := res.OutputFiles[0].Contents
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/units.js" {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write(js)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = fmt.Fprint(w, `<!doctype html><script type="module" src="/units.js"></script>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func openUnits(t *testing.T) *Browser {
	t.Helper()
	b := New(t, 60*time.Second)
	b.Do("open units", chromedp.Navigate(unitPage(t)))
	b.WaitJS("units loaded", `!!window.pam`, 5*time.Second)
	return b
}

func TestValidateContext(t *testing.T) {
	t.Parallel()
	b := openUnits(t)
	tests := []struct {
		name, in, want string
		dropped        int
	}{
		{"full", `{"timezone":"America/Denver","locale":"en-US","location":{"lat":38.57,"lng":-109.55,"accuracy_m":12,"timestamp":"2026-11-24T07:00:00Z"}}`,
			`{"timezone":"America/Denver","locale":"en-US","location":{"lat":38.57,"lng":-109.55,"accuracy_m":12,"timestamp":"2026-11-24T07:00:00Z"}}`, 0},
		{"empty", `{}`, `{}`, 0},
		{"undefined", `undefined`, `{}`, 0},
		{"not an object", `"Moab"`, `{}`, 1},
		{"unknown field", `{"timezone":"UTC","user_id":"someone-else"}`, `{"timezone":"UTC"}`, 1},
		{"zone with markup", `{"timezone":"<script>"}`, `{}`, 1},
		{"zone too long", `{"timezone":"` + strings.Repeat("A", 65) + `"}`, `{}`, 1},
		{"zone gmt offset", `{"timezone":"Etc/GMT+7"}`, `{"timezone":"Etc/GMT+7"}`, 0},
		{"locale number", `{"locale":42}`, `{}`, 1},
		{"locale bad", `{"locale":"en_US; drop"}`, `{}`, 1},
		{"lat out of range", `{"location":{"lat":91,"lng":0}}`, `{}`, 1},
		{"lng out of range", `{"location":{"lat":0,"lng":-180.5}}`, `{}`, 1},
		{"lat string", `{"location":{"lat":"38","lng":0}}`, `{}`, 1},
		{"location null", `{"location":null}`, `{}`, 1},
		{"bad accuracy kept position", `{"location":{"lat":1,"lng":2,"accuracy_m":-5}}`, `{"location":{"lat":1,"lng":2}}`, 1},
		{"bad timestamp kept position", `{"location":{"lat":1,"lng":2,"timestamp":"yesterday-ish"}}`, `{"location":{"lat":1,"lng":2}}`, 1},
		{"edges", `{"location":{"lat":-90,"lng":180,"accuracy_m":0}}`, `{"location":{"lat":-90,"lng":180,"accuracy_m":0}}`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Eval[string](b, fmt.Sprintf(`JSON.stringify(pam.validateContext(%s))`, tc.in))
			var v struct {
				Context json.RawMessage `json:"context"`
				Dropped []string        `json:"dropped"`
			}
			if err := json.Unmarshal([]byte(got), &v); err != nil {
				t.Fatal(err)
			}
			if string(v.Context) != tc.want {
				t.Errorf("context = %s, want %s", v.Context, tc.want)
			}
			if len(v.Dropped) != tc.dropped {
				t.Errorf("dropped = %q, want %d entries", v.Dropped, tc.dropped)
			}
		})
	}
}

// A property check in the page: whatever random shape goes in, validateContext never
// throws and only lets through values the server accepts.
func TestValidateContextRandomInputs(t *testing.T) {
	t.Parallel()
	b := openUnits(t)
	bad := Eval[[]string](b, `(() => {
		let seed = 1;
		const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
		const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
		const atoms = [undefined, null, 0, -1, 1e9, NaN, Infinity, "", "UTC", "Europe/Paris", "en", "en-GB", "x".repeat(80), "<b>", true, [], {}];
		const val = (d) => d > 2 || rnd() < 0.6 ? pick(atoms) : obj(d + 1);
		const keys = ["timezone", "locale", "location", "lat", "lng", "accuracy_m", "timestamp", "__proto__", "extra"];
		const obj = (d) => { const o = {}; const n = Math.floor(rnd() * 5); for (let i = 0; i < n; i++) o[pick(keys)] = val(d); return o; };
		const problems = [];
		for (let i = 0; i < 3000; i++) {
			const input = rnd() < 0.1 ? val(0) : obj(0);
			let out;
			try { out = pam.validateContext(input).context; } catch (e) { problems.push("threw: " + e); continue; }
			for (const k of Object.keys(out)) if (!["timezone", "locale", "location"].includes(k)) problems.push("kept " + k);
			if ("timezone" in out && (typeof out.timezone !== "string" || out.timezone.length > 64 || /[<>\s]/.test(out.timezone))) problems.push("timezone " + out.timezone);
			if ("locale" in out && (typeof out.locale !== "string" || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(out.locale))) problems.push("locale " + out.locale);
			if ("location" in out) {
				const l = out.location;
				if (!(Number.isFinite(l.lat) && Math.abs(l.lat) <= 90 && Number.isFinite(l.lng) && Math.abs(l.lng) <= 180)) problems.push("location " + JSON.stringify(l));
				for (const k of Object.keys(l)) if (!["lat", "lng", "accuracy_m", "timestamp"].includes(k)) problems.push("location kept " + k);
			}
		}
		return problems.slice(0, 10);
	})()`)
	if len(bad) > 0 {
		t.Errorf("validateContext let bad values through: %q", bad)
	}
}

func TestBackoffDelays(t *testing.T) {
	t.Parallel()
	b := openUnits(t)
	tests := []struct {
		attempt  int
		rnd      string
		min, max int
	}{
		{0, "0", 1000, 1000}, {0, "0.999", 1000, 1200}, {1, "0", 2000, 2000}, {2, "0.5", 4400, 4400},
		{3, "0", 8000, 8000}, {9, "0.999", 8000, 9600}, {-1, "0", 1000, 1000},
	}
	for _, tc := range tests {
		got := Eval[int](b, fmt.Sprintf(`pam.backoffDelay(%d, () => %s)`, tc.attempt, tc.rnd))
		if got < tc.min || got > tc.max {
			t.Errorf("backoffDelay(%d, rnd=%s) = %d, want %d..%d", tc.attempt, tc.rnd, got, tc.min, tc.max)
		}
	}
}

func TestFormatMoneyKeepsDecimalStrings(t *testing.T) {
	t.Parallel()
	b := openUnits(t)
	tests := []struct{ in, want string }{
		{`{"amount":"45.20","currency":"USD"}`, "$45.20"},
		{`{"amount":"-3.10","currency":"USD"}`, "-$3.10"},
		{`{"amount":"0.10","currency":"EUR"}`, "€0.10"},
		{`{"amount":"12345678901234567.89","currency":"CAD"}`, "CA$12345678901234567.89"}, // beyond float precision
		{`{"amount":"7.5","currency":"MXN"}`, "MXN 7.5"},
	}
	for _, tc := range tests {
		if got := Eval[string](b, fmt.Sprintf(`pam.formatMoney(%s)`, tc.in)); got != tc.want {
			t.Errorf("formatMoney(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFrameParsing(t *testing.T) {
	t.Parallel()
	b := openUnits(t)
	tests := []struct {
		data string
		want string // the type, or "" for rejected
	}{
		{`{"type":"welcome","user_id":"u","last_seq":3,"recovered":true,"heartbeat_ms":25000}`, "welcome"},
		{`{"type":"message","seq":4,"text":"hi"}`, "message"},
		{`{"type":"delta","turn_id":"t","text":"x"}`, "delta"},
		{`{"type":"pong"}`, "pong"},
		{`{"type":"hello","token":"t"}`, ""},
		{`{"type":"surprise"}`, ""},
		{`[1,2]`, ""},
		{`null`, ""},
		{`not json`, ""},
	}
	for _, tc := range tests {
		got := Eval[string](b, fmt.Sprintf(`(pam.parseServerFrame(%q) ?? {type: ""}).type`, tc.data))
		if got != tc.want {
			t.Errorf("parseServerFrame(%s) type = %q, want %q", tc.data, got, tc.want)
		}
	}
	reload := []struct {
		actions string
		want    bool
	}{
		{`[{"type":"reload_expenses","entity_id":"e1"}]`, true},
		{`["reload_expenses"]`, true},
		{`[{"type":"reload_calendar"}]`, false},
		{`[]`, false},
		{`undefined`, false},
		{`[null, 3]`, false},
	}
	for _, tc := range reload {
		if got := Eval[bool](b, fmt.Sprintf(`pam.wantsExpenseReload(%s)`, tc.actions)); got != tc.want {
			t.Errorf("wantsExpenseReload(%s) = %v, want %v", tc.actions, got, tc.want)
		}
	}
}

func TestOutboxPersistsAndDedupes(t *testing.T) {
	t.Parallel()
	b := openUnits(t)
	got := Eval[string](b, `(() => {
		localStorage.clear();
		const a = new pam.Outbox("k");
		a.add({id: "1", text: "one", created_at: 1});
		a.add({id: "2", text: "two", created_at: 2});
		a.add({id: "1", text: "one again", created_at: 3});
		const removed = a.remove("1"), again = a.remove("1");
		const b = new pam.Outbox("k");
		return JSON.stringify({ids: b.all().map(m => m.id), removed, again});
	})()`)
	if got != `{"ids":["2"],"removed":true,"again":false}` {
		t.Errorf("outbox = %s", got)
	}
	if got := Eval[string](b, `(localStorage.setItem("bad", "{not json"), JSON.stringify(new pam.Outbox("bad").all()))`); got != "[]" {
		t.Errorf("outbox from corrupt storage = %s, want []", got)
	}
	if !Eval[bool](b, `/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(pam.newID()) && pam.newID() !== pam.newID()`) {
		t.Error("newID is not a random v4 UUID")
	}
}
