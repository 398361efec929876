//go:build !race

// Package race tells tests whether the race detector is built in. It is a
// package of its own, apart from testenv, so that importing it pulls in
// nothing else.
package race

// Enabled reports whether the race detector is built in (allocation
// counts differ under it, so tests that count them skip).
const Enabled = false
