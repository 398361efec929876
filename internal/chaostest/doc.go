// Package chaostest runs the real PAM server in-process under each fault of
// internal/chaos and drives it with the load generator's virtual users,
// asserting the degradation ladder of DESIGN.md: every message gets an
// answer (degraded if need be) or a queued notice that becomes an answer,
// nothing is lost, and no turn runs twice.
package chaostest
