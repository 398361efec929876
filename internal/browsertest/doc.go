// Package browsertest holds PAM's end-to-end browser tests: chromedp drives Debian's
// chromium against the chat page. Tests run the page against a fake PAM backend that
// speaks the real HTTP and WebSocket wire protocol (to control timing, streaming,
// degradation and outages) and against the real server started by internal/apptest.
// Without chromium they skip loudly; with PAM_REQUIRE_INTEGRATION=1 they fail.
package browsertest
