//go:build race

package race

// Enabled reports whether the race detector is built in (allocation
// counts differ under it, so tests that count them skip).
const Enabled = true
