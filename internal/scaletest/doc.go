// Package scaletest holds the scale-out tests: real PostgreSQL and Redis
// (started by internal/testenv in temporary directories) shared by several
// PAM instances on loopback, checking that they behave as one — tokens,
// revocations, conversations, WebSocket resume, cross-instance events and
// global limits — and that losing Redis degrades instead of failing.
package scaletest
