// Package browsertest holds PAM's browser tests and the helpers to write them: chromedp
// drives Debian's chromium (headless, fresh profile, phone-sized viewport, a deadline on
// every context) against the chat page.
//
// This package's tests run the page against a fake PAM backend that speaks the real
// HTTP and WebSocket wire protocol, to control timing, streaming, degradation and
// outages; subpackage e2e runs it against the real server started by internal/apptest.
// Without chromium the tests skip loudly; with PAM_REQUIRE_INTEGRATION=1 they fail.
// PAM_CHROMIUM names another browser binary; PAM_SCREENSHOT_DIR saves screenshots
// (and one of the page whenever a wait fails).
package browsertest
