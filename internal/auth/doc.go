// Package auth owns PAM's accounts and sessions: argon2id password hashes,
// short-lived HS256 access tokens, opaque rotating refresh tokens (stored only
// as SHA-256 hashes; reusing a used one revokes its whole family), token and
// per-user revocation, the idle timeout, login throttling, and verification of
// tokens from an optional outside identity provider (HS256 secret or JWKS).
// Revocations, session activity and login failures are in process by default
// and shared through Redis (RedisRevocations, RedisActivity,
// RedisLoginLimiter) when several instances run.
// The user id every request acts for comes from Verify, never from a message.
package auth
