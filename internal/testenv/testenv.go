// Package testenv owns the harnesses that run real servers for integration
// tests: PostgreSQL 15 (initdb + postgres, as the unprivileged postgres user
// when the tests run as root) and Redis (Debian's redis-server, no
// persistence). Each server binds a free loopback port, can be stopped and
// started again on the same port for chaos tests, and is stopped when the test
// (or, for the shared PostgreSQL, the test binary) ends.
//
// A missing program skips the test with a loud message, unless
// PAM_REQUIRE_INTEGRATION=1, which turns the skip into a failure.
package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the variable that makes missing integration programs fatal.
const RequireEnv = "PAM_REQUIRE_INTEGRATION"

// Required reports whether integration tests must not skip.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// skipOrFail skips tb loudly, or fails it when integration is required.
func skipOrFail(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("%s (%s=1: integration tests may not skip)", msg, RequireEnv)
	}
	tb.Skipf("!!! SKIPPING INTEGRATION TEST: %s — install it, and set %s=1 in CI to make this a failure", msg, RequireEnv)
}

// findProgram returns the first existing path among candidates (absolute
// paths, or names looked up in PATH), "" when none exists.
func findProgram(candidates ...string) string {
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
