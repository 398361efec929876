package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath finds a browser: PAM_CHROMIUM when set (and then only it), else
// Debian's chromium or another Chrome on the PATH; "" when there is none.
func ChromiumPath() string {
	if p := os.Getenv("PAM_CHROMIUM"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
		return ""
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// RequireIntegration skips (loudly) when a needed program is missing, and fails when
// PAM_REQUIRE_INTEGRATION=1 says it must be there.
func RequireIntegration(t *testing.T, what string) {
	t.Helper()
	const install = "install it with `apt-get install -y chromium` or point PAM_CHROMIUM at a Chrome"
	if os.Getenv("PAM_REQUIRE_INTEGRATION") == "1" {
		t.Fatalf("BROWSER TEST REQUIRED BUT CANNOT RUN (PAM_REQUIRE_INTEGRATION=1): %s; %s", what, install)
	}
	t.Skipf("SKIPPING BROWSER TEST: %s; %s (PAM_REQUIRE_INTEGRATION=1 makes this a failure)", what, install)
}

// Browser is one headless chromium with a fresh profile, driven by chromedp.
type Browser struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage

	// ExpectCSPViolations stops Content-Security-Policy reports from failing the test,
	// for tests that provoke them on purpose.
	ExpectCSPViolations bool
}

// PhoneWidth and PhoneHeight are the viewport of a typical phone, where the page must work first.
const (
	PhoneWidth  = 390
	PhoneHeight = 844
)

// New starts chromium for one test; everything it does must finish by timeout.
func New(t *testing.T, timeout time.Duration) *Browser {
	t.Helper()
	exe := ChromiumPath()
	if exe == "" {
		RequireIntegration(t, "no chromium found")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(PhoneWidth, PhoneHeight),
	)
	deadline, cancelDeadline := context.WithTimeout(context.Background(), timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	b := &Browser{t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(PhoneWidth, PhoneHeight, chromedp.EmulatePortrait, chromedp.EmulateMobile)); err != nil {
		cancelCtx()
		cancelAlloc()
		cancelDeadline()
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	consoleDone := make(chan struct{})
	messages := chromedp.Console(ctx)
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		cancelDeadline()
		<-consoleDone
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, m := range b.console {
			t.Logf("console %s", m)
			if m.IsException() {
				t.Errorf("uncaught exception in the page: %s", m.Text)
			}
			if !b.ExpectCSPViolations && (m.Source == "security" || strings.Contains(m.Text, "Content Security Policy")) {
				t.Errorf("the page broke its Content-Security-Policy: %s", m.Text)
			}
		}
	})
	return b
}

// Do performs actions, failing the test with what when they fail.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// WaitJS waits until the JavaScript expression is truthy.
func (b *Browser) WaitJS(what, expr string, timeout time.Duration) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		b.Screenshot("failed-" + strings.ReplaceAll(b.t.Name(), "/", "-"))
		b.t.Fatalf("wait for %s: %v\npage: %s", what, err, Eval[string](b, `document.body.innerText + " [status=" + (document.querySelector("#status")?.dataset.state ?? "") + "]"`))
	}
}

// Eval returns the value of a JavaScript expression.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Screenshot saves a PNG of the viewport when PAM_SCREENSHOT_DIR is set.
func (b *Browser) Screenshot(name string) {
	dir := os.Getenv("PAM_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
}

// Register opens the page and creates an account.
func (b *Browser) Register(baseURL, email string) {
	b.t.Helper()
	b.Do("register",
		chromedp.Navigate(baseURL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.SendKeys(chromedp.CSS("#display-name"), "Robin"),
		chromedp.Click(chromedp.CSS("#register-btn")),
		chromedp.WaitVisible(chromedp.CSS("#message-input")),
	)
	b.WaitJS("online status", `document.querySelector("#status").dataset.state === "online"`, 10*time.Second)
}

// Say types a message and sends it with the button.
func (b *Browser) Say(text string) {
	b.t.Helper()
	b.Do("send "+text,
		chromedp.SendKeys(chromedp.CSS("#message-input"), text),
		chromedp.Click(chromedp.CSS("#send-btn")),
	)
}

// VisibleJS is a JavaScript expression true when the element is on screen.
func VisibleJS(sel string) string {
	return fmt.Sprintf(`(e => !!e && getComputedStyle(e).display !== "none" && e.getClientRects().length > 0)(document.querySelector(%q))`, sel)
}

// CountJS is a JavaScript expression counting the elements matching a CSS selector.
func CountJS(sel string) string {
	return fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)
}

// PamSaidJS is a JavaScript expression true when one of PAM's answers contains s.
func PamSaidJS(s string) string {
	return fmt.Sprintf(`Array.from(document.querySelectorAll("#messages .msg.pam .text")).some(e => e.textContent.includes(%q))`, s)
}

// PamTexts returns the text of PAM's answers shown.
func (b *Browser) PamTexts() []string {
	return Eval[[]string](b, `Array.from(document.querySelectorAll("#messages .msg.pam .text"), e => e.textContent)`)
}
