package browsertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func TestChatLogsExpense(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "robin@example.com")
	b.Screenshot("phone-empty")
	b.Say("I spent $45.20 on diesel at Shell today")

	b.WaitJS("PAM's reply", PamSaidJS("45.20"), 10*time.Second)
	b.WaitJS("the expense row", `Array.from(document.querySelectorAll("#expenses .expense")).some(e => e.textContent.includes("$45.20") && e.textContent.includes("Shell"))`, 10*time.Second)
	b.Screenshot("phone-expense")

	if got := Eval[int](b, CountJS("#messages .msg.user")); got != 1 {
		t.Errorf("%d user messages, want 1", got)
	}
	if Eval[bool](b, VisibleJS("#banner")) {
		t.Error("degraded banner shown for a normal answer")
	}
	if Eval[bool](b, VisibleJS("#thinking")) {
		t.Error("thinking indicator shown after the answer")
	}
	if got := Eval[string](b, `document.querySelector("#message-input").value`); got != "" {
		t.Errorf("input not cleared: %q", got)
	}
	if got := Eval[string](b, `localStorage.getItem("pam.outbox." + JSON.parse(localStorage.getItem("pam.session")).user.id)`); got != "[]" {
		t.Errorf("outbox after the answer = %s, want []", got)
	}
	// The context went along: time zone and locale, validated.
	f.mu.Lock()
	ctxs := f.contexts
	f.mu.Unlock()
	if len(ctxs) != 1 {
		t.Fatalf("%d chats received, want 1", len(ctxs))
	}
	var c map[string]any
	if err := json.Unmarshal(ctxs[0], &c); err != nil || c["timezone"] == nil || c["locale"] == nil {
		t.Errorf("context = %s, want timezone and locale", ctxs[0])
	}
}

func TestEnterSendsAndPageEscapesText(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	f.set(func(f *fakePAM) {
		f.replyText = func(string) string { return `<img src=x onerror="window.pwned=1"><b>bold</b>` }
	})
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "esc@example.com")
	b.Do("type and press enter", chromedp.SendKeys(chromedp.CSS("#message-input"), "<i>hi</i>\r"))
	b.WaitJS("reply", PamSaidJS("<b>bold</b>"), 10*time.Second)
	if n := Eval[int](b, CountJS("#messages img, #messages b, #messages i")); n != 0 {
		t.Errorf("%d elements parsed from message text; text must stay text", n)
	}
	if Eval[bool](b, `window.pwned === 1`) {
		t.Error("model text ran as script")
	}
	if got := Eval[string](b, `document.querySelector("#messages .msg.user .text").textContent`); got != "<i>hi</i>" {
		t.Errorf("user text = %q", got)
	}
}

func TestThinkingIndicator(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	f.set(func(f *fakePAM) { f.replyDelay = 6500 * time.Millisecond })
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "slow@example.com")
	start := time.Now()
	b.Say("how far to Moab?")
	b.WaitJS("thinking", `document.querySelector("#thinking").textContent.includes("PAM is thinking")`, 5*time.Second)
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("thinking shown after %v, want about 2 s", d)
	}
	b.WaitJS("still working", `document.querySelector("#thinking").textContent.includes("still working")`, 5*time.Second)
	if d := time.Since(start); d < 4500*time.Millisecond {
		t.Errorf("still working shown after %v, want about 5 s", d)
	}
	b.WaitJS("answer", PamSaidJS("I can help"), 10*time.Second)
	b.WaitJS("indicator hidden", "!"+VisibleJS("#thinking"), 2*time.Second)
}

func TestStreamedText(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	f.set(func(f *fakePAM) {
		f.deltas = []string{"Moab is ", "about 120 miles ", "from Green River."}
		f.deltaGap = 700 * time.Millisecond
	})
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "stream@example.com")
	b.Say("how far to Moab?")
	// Part of the answer is on screen before the whole of it has arrived.
	b.WaitJS("partial text", `(() => { const e = document.querySelector("#messages .msg.pam.streaming .text"); return e && e.textContent.startsWith("Moab is") && !e.textContent.includes("Green River"); })()`, 5*time.Second)
	b.WaitJS("final text", `(() => { const e = document.querySelector("#messages .msg.pam:not(.streaming) .text"); return e && e.textContent === "Moab is about 120 miles from Green River."; })()`, 10*time.Second)
	if n := Eval[int](b, CountJS("#messages .msg.pam")); n != 1 {
		t.Errorf("%d PAM bubbles, want the streamed one finalised in place", n)
	}
}

func TestDegradedBanner(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	f.set(func(f *fakePAM) { f.degraded = true })
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "degraded@example.com")
	b.Say("weather in Moab?")
	b.WaitJS("banner", VisibleJS("#banner")+` && document.querySelector("#banner").textContent.includes("reduced mode")`, 10*time.Second)
	b.Screenshot("phone-degraded")
	f.set(func(f *fakePAM) { f.degraded = false })
	b.Say("thanks")
	b.WaitJS("banner cleared", `document.querySelectorAll("#messages .msg.pam").length === 2 && !`+VisibleJS("#banner"), 10*time.Second)
}

// A message typed while PAM is down waits in the outbox (surviving a reload) and is
// delivered exactly once when PAM is back.
func TestOfflineMessageDeliveredOnceAfterReturn(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 90*time.Second)
	b.Register(f.URL(), "offline@example.com")
	f.Stop()
	// Down long enough for three failed WebSocket attempts: the page is in fallback mode.
	b.WaitJS("fallback after failures", `["polling", "offline"].includes(document.querySelector("#status").dataset.state)`, 15*time.Second)
	b.Say("I spent $12.50 on propane at Ace today")
	b.WaitJS("queued note", `document.querySelector("#messages .msg.user").dataset.state === "queued"`, 2*time.Second)
	b.Screenshot("phone-offline")
	time.Sleep(2 * time.Second) // the REST fallback retries into a closed port meanwhile
	if n, _, _ := f.stats(); n != 0 {
		t.Fatalf("server saw %d chats while down", n)
	}
	f.Start()
	b.WaitJS("reply after return", PamSaidJS("12.50"), 30*time.Second)
	b.WaitJS("expense row", `Array.from(document.querySelectorAll("#expenses .expense")).some(e => e.textContent.includes("$12.50"))`, 10*time.Second)
	time.Sleep(time.Second) // give a duplicate time to show up
	_, _, runs := f.stats()
	if len(runs) != 1 {
		t.Fatalf("turns run for %d distinct ids, want 1: %v", len(runs), runs)
	}
	for id, n := range runs {
		if n != 1 {
			t.Errorf("message %s ran %d turns", id, n)
		}
	}
	if n := Eval[int](b, CountJS("#messages .msg.pam")); n != 1 {
		t.Errorf("%d answers shown, want 1", n)
	}
	if n := Eval[int](b, CountJS("#expenses .expense")); n != 1 {
		t.Errorf("%d expense rows, want 1", n)
	}
}

func TestOutboxSurvivesReload(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 90*time.Second)
	b.Register(f.URL(), "reload@example.com")
	f.Stop()
	b.WaitJS("disconnected status", `document.querySelector("#status").dataset.state !== "online"`, 10*time.Second)
	b.Say("I spent $30 on groceries at Walmart today")
	b.WaitJS("queued", `localStorage.getItem("pam.outbox." + JSON.parse(localStorage.getItem("pam.session")).user.id).includes("Walmart")`, 2*time.Second)
	f.Start()
	b.Do("reload", chromedp.Reload())
	b.WaitJS("reply after reload", PamSaidJS("30.00"), 30*time.Second)
	_, _, runs := f.stats()
	if len(runs) != 1 {
		t.Errorf("turns: %v, want one id run once", runs)
	}
	if n := Eval[int](b, CountJS("#messages .msg.user")); n != 1 {
		t.Errorf("%d user messages shown after reload, want 1", n)
	}
}

// When the WebSocket keeps failing, the page falls back to REST and long-polling.
func TestFallbackToRESTAndPolling(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	f.set(func(f *fakePAM) { f.wsDisabled = true })
	b := New(t, 90*time.Second)
	b.Do("register",
		chromedp.Navigate(f.URL()+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "poll@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("#register-btn")),
		chromedp.WaitVisible(chromedp.CSS("#message-input")),
	)
	// Three failed attempts with 1 s and 2 s backoff in between.
	b.WaitJS("fallback mode", `document.querySelector("#status").dataset.state === "polling"`, 15*time.Second)
	b.Say("I spent $8.75 on coffee at Starbucks today")
	b.WaitJS("REST reply", PamSaidJS("8.75"), 15*time.Second)
	b.WaitJS("expense row", `document.querySelectorAll("#expenses .expense").length === 1`, 10*time.Second)
	_, rest, runs := f.stats()
	if rest < 1 || len(runs) != 1 {
		t.Errorf("rest chats %d, runs %v; want the message sent over REST once", rest, runs)
	}
	// The long-poll also returns the durable frame of that answer: shown once only.
	time.Sleep(1500 * time.Millisecond)
	if n := Eval[int](b, CountJS("#messages .msg.pam")); n != 1 {
		t.Errorf("%d answers shown, want 1", n)
	}
	// An answer produced elsewhere (another device) arrives through the long-poll.
	f.mu.Lock()
	var uid string
	for _, u := range f.users {
		uid = u.id
	}
	f.mu.Unlock()
	f.accept(uid, chatIn{id: "other-device-1", text: "hello from the laptop"})
	b.WaitJS("polled answer", PamSaidJS("I can help"), 30*time.Second)
}

func TestLoginAfterLogout(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "again@example.com")
	b.Do("log out", chromedp.Click(chromedp.CSS("#logout-btn")), chromedp.WaitVisible(chromedp.CSS("#login-btn")))
	b.Screenshot("phone-login")
	if got := Eval[string](b, `document.querySelector("#status").textContent`); got != "" {
		t.Errorf("status %q shown while logged out", got)
	}
	if got := Eval[string](b, `localStorage.getItem("pam.session") ?? ""`); got != "" {
		t.Errorf("session kept after logout: %s", got)
	}
	if got := Eval[string](b, `document.querySelector("#password").value`); got != "" {
		t.Error("password left in the form after logout")
	}
	b.Do("wrong password",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#email").value = ""; undefined`),
		chromedp.SendKeys(chromedp.CSS("#email"), "again@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "nope nope nope"),
		chromedp.Click(chromedp.CSS("#login-btn")),
	)
	b.WaitJS("auth error", `document.querySelector("#auth-error").textContent.includes("wrong email or password")`, 5*time.Second)
	b.Do("right password",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#password").value = ""; undefined`),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("#login-btn")),
	)
	b.WaitJS("online", `document.querySelector("#status").dataset.state === "online"`, 10*time.Second)
}

// A short-lived access token is refreshed before it expires and the chat keeps working.
func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	f.set(func(f *fakePAM) { f.expiresIn = 32 }) // refresh is due 30 s before expiry
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "refresh@example.com")
	first := Eval[string](b, `JSON.parse(localStorage.getItem("pam.session")).access_token`)
	b.WaitJS("rotated token", fmt.Sprintf(`JSON.parse(localStorage.getItem("pam.session")).access_token !== %q`, first), 10*time.Second)
	b.Say("I spent $5 on ice at Love's today")
	b.WaitJS("reply", PamSaidJS("5.00"), 10*time.Second)
	if strings.Contains(Eval[string](b, `document.querySelector("#auth").hidden ? "" : "auth shown"`), "auth") {
		t.Error("refresh logged the user out")
	}
}

// After a reload the conversation comes back from history, once, and the page resumes
// from its last seq without replaying what it has shown.
func TestReloadRestoresHistory(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "history@example.com")
	b.Say("I spent $45.20 on diesel at Shell today")
	b.WaitJS("reply", PamSaidJS("45.20"), 10*time.Second)
	b.Say("and $3 on coffee at Loves")
	b.WaitJS("second reply", PamSaidJS("3.00"), 10*time.Second)
	b.Do("reload", chromedp.Reload())
	b.WaitJS("online again", `document.querySelector("#status").dataset.state === "online"`, 10*time.Second)
	b.WaitJS("history", CountJS("#messages .msg.pam")+` === 2 && `+CountJS("#messages .msg.user")+` === 2`, 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	if got := Eval[[]string](b, `Array.from(document.querySelectorAll("#messages .msg .text"), e => e.textContent)`); len(got) != 4 ||
		!strings.Contains(got[0], "45.20") || !strings.Contains(got[3], "3.00") {
		t.Errorf("messages after reload = %q, want the two exchanges in order", got)
	}
	b.WaitJS("expenses", CountJS("#expenses .expense")+` === 2`, 5*time.Second)
}

func TestLayoutAndAccessibility(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "layout@example.com")
	b.Say("I spent $45.20 on diesel at Shell today")
	b.WaitJS("row", CountJS("#expenses .expense")+` === 1`, 10*time.Second)
	checks := map[string]string{
		"every field has a label":        `Array.from(document.querySelectorAll("input, textarea")).every(e => e.labels && e.labels.length > 0)`,
		"messages are a live region":     `document.querySelector("#messages").getAttribute("aria-live") === "polite"`,
		"thinking is a status":           `document.querySelector("#thinking").getAttribute("role") === "status"`,
		"phone: no horizontal scrolling": `document.documentElement.scrollWidth <= window.innerWidth`,
		"phone: one column":              `document.querySelector(".side").getBoundingClientRect().top >= document.querySelector(".chat").getBoundingClientRect().bottom`,
		"buttons are touch-sized":        `Array.from(document.querySelectorAll("#send-btn")).every(e => e.getBoundingClientRect().height >= 44)`,
	}
	for name, expr := range checks {
		if !Eval[bool](b, expr) {
			t.Errorf("%s: false", name)
		}
	}
	b.Do("wide screen", chromedp.EmulateViewport(1280, 800))
	b.WaitJS("two columns", `document.querySelector(".side").getBoundingClientRect().left >= document.querySelector(".chat").getBoundingClientRect().right`, 2*time.Second)
	b.Screenshot("wide")
}

// With the user's consent the page sends its position with each message.
func TestLocationSentWhenAllowed(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 60*time.Second)
	lat, lng, acc := 38.5733, -109.5498, 25.0
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: f.URL(),
	}); err != nil {
		t.Fatalf("grant geolocation: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
		Latitude: &lat, Longitude: &lng, Accuracy: &acc,
	}); err != nil {
		t.Fatalf("fake position: %v", err)
	}
	b.Register(f.URL(), "moab@example.com")
	b.Say("first, without location")
	b.WaitJS("first reply", CountJS("#messages .msg.pam")+` === 1`, 10*time.Second)
	b.Do("allow location", chromedp.Click(chromedp.CSS("#share-location")))
	time.Sleep(500 * time.Millisecond) // the first position arrives asynchronously
	b.Say("any RV parks near me?")
	b.WaitJS("second reply", CountJS("#messages .msg.pam")+` === 2`, 10*time.Second)
	f.mu.Lock()
	ctxs := f.contexts
	f.mu.Unlock()
	if len(ctxs) != 2 {
		t.Fatalf("%d chats, want 2", len(ctxs))
	}
	var first, second struct {
		Location *struct {
			Lat, Lng  float64
			AccuracyM float64 `json:"accuracy_m"`
			Timestamp string
		} `json:"location"`
	}
	_ = json.Unmarshal(ctxs[0], &first)
	_ = json.Unmarshal(ctxs[1], &second)
	if first.Location != nil {
		t.Errorf("location sent before the user allowed it: %s", ctxs[0])
	}
	if second.Location == nil || second.Location.Lat != lat || second.Location.Lng != lng || second.Location.AccuracyM != acc || second.Location.Timestamp == "" {
		t.Errorf("second context = %s, want the emulated position", ctxs[1])
	}
}

// A second device (a fresh browser profile) logging in sees the conversation so far.
func TestNewDeviceSeesConversation(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	phone := New(t, 60*time.Second)
	phone.Register(f.URL(), "two@example.com")
	phone.Say("I spent $45.20 on diesel at Shell today")
	phone.WaitJS("reply", PamSaidJS("45.20"), 10*time.Second)

	laptop := New(t, 60*time.Second)
	laptop.Do("log in",
		chromedp.Navigate(f.URL()+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "two@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("#login-btn")),
	)
	laptop.WaitJS("history", PamSaidJS("45.20")+` && `+CountJS("#messages .msg.user")+` === 1`, 10*time.Second)
	laptop.WaitJS("online", `document.querySelector("#status").dataset.state === "online"`, 10*time.Second)
	// An answer to a message from the laptop reaches the phone too.
	laptop.Say("I spent $3 on coffee at Loves")
	phone.WaitJS("answer on the other device", PamSaidJS("3.00"), 10*time.Second)
}

// A rejected token (close 4001, 401) is refreshed and the chat goes on.
func TestRejectedTokenIsRefreshed(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "revoked@example.com")
	first := Eval[string](b, `JSON.parse(localStorage.getItem("pam.session")).access_token`)
	f.RevokeAccessTokens()
	b.WaitJS("new token", fmt.Sprintf(`JSON.parse(localStorage.getItem("pam.session") || "{}").access_token !== %q`, first), 10*time.Second)
	b.WaitJS("online again", `document.querySelector("#status").dataset.state === "online"`, 10*time.Second)
	b.Say("I spent $9.99 on water at Loves")
	b.WaitJS("reply", PamSaidJS("9.99"), 10*time.Second)
	b.WaitJS("expense list loads with the new token", CountJS("#expenses .expense")+` === 1`, 10*time.Second)
}

func TestToolProgressShown(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	f.set(func(f *fakePAM) { f.toolGap = 1500 * time.Millisecond })
	b := New(t, 60*time.Second)
	b.Register(f.URL(), "tools@example.com")
	b.Say("I spent $45.20 on diesel at Shell today")
	b.WaitJS("tool note", `(document.querySelector("#messages .msg.pam .tools")?.textContent ?? "").includes("create expense: running")`, 5*time.Second)
	b.WaitJS("final answer", PamSaidJS("45.20")+` && !document.querySelector("#messages .msg.pam .tools")`, 10*time.Second)
}

// The connection drops after PAM took a message but before the page heard so: the page
// re-sends the same id, PAM runs the turn once, the answer shows once, and nothing keeps
// saying PAM is thinking, whether the turn is still running at the reconnect or its
// answer comes back as a replay first.
func TestLostAcceptIsResentIdempotently(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		delay time.Duration
	}{
		{"turn still running", 2500 * time.Millisecond},
		{"answer replayed first", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakePAM(t)
			b := New(t, 60*time.Second)
			b.Register(f.URL(), "lost@example.com")
			f.set(func(f *fakePAM) {
				f.dropChat = true
				f.replyDelay = tc.delay
			})
			b.Say("I spent $45.20 on diesel at Shell today")
			b.WaitJS("answer", PamSaidJS("45.20"), 15*time.Second)
			time.Sleep(thinkingAfter + 500*time.Millisecond)
			if Eval[bool](b, VisibleJS("#thinking")) {
				t.Errorf("thinking indicator stuck: %q", Eval[string](b, `document.querySelector("#thinking").textContent`))
			}
			seen, _, runs := f.stats()
			if len(runs) != 1 || seen != 2 {
				t.Errorf("chats seen %d, runs %v: want the id re-sent and run once", seen, runs)
			}
			for _, n := range runs {
				if n != 1 {
					t.Errorf("turn ran %d times", n)
				}
			}
			if n := Eval[int](b, CountJS("#messages .msg.pam")); n != 1 {
				t.Errorf("%d answers shown, want 1", n)
			}
		})
	}
}

const thinkingAfter = 2 * time.Second

// The Content-Security-Policy holds in a real browser: injected inline script and
// inline event handlers do not run.
func TestCSPBlocksInjectedScript(t *testing.T) {
	t.Parallel()
	f := startFakePAM(t)
	b := New(t, 60*time.Second)
	b.ExpectCSPViolations = true
	b.Register(f.URL(), "csp@example.com")
	b.Do("inject", chromedp.Evaluate[chromedp.Void](`
		window.violations = 0;
		document.addEventListener("securitypolicyviolation", () => window.violations++);
		const s = document.createElement("script"); s.textContent = "window.ran = 1"; document.body.append(s);
		const i = document.createElement("img"); i.setAttribute("onerror", "window.ran = 2"); i.src = "data:,x"; document.body.append(i);
		undefined`))
	b.WaitJS("violations reported", `window.violations >= 2`, 5*time.Second)
	if got := Eval[int](b, `window.ran ?? 0`); got != 0 {
		t.Errorf("injected code ran (%d) despite the CSP", got)
	}
}
