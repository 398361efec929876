package compat

import (
	"github.com/pamtravel/pam/internal/pamerr"
)

// Error codes of the original protocol.
const (
	ErrRateLimit  = "RATE_LIMIT_EXCEEDED"
	ErrSecurity   = "SECURITY_VIOLATION"
	ErrSuspicious = "SUSPICIOUS_CONTENT"
	ErrValidation = "VALIDATION_ERROR"
	ErrFormat     = "FORMAT_ERROR"
	ErrTooLarge   = "MESSAGE_TOO_LARGE"
	ErrProcessing = "PROCESSING_ERROR"
)

// Origin says which step refused a message, where one native code means
// different things to the app.
type Origin int

const (
	// FromLimiter: the per-user request limit or the frame rate.
	FromLimiter Origin = iota
	// FromEngine: delivery (safety pipeline, acceptance, the turn).
	FromEngine
)

// ErrorCode maps a native error to the app's error code. A RATE_LIMITED
// from the engine is the safety layer blocking a user after repeated unsafe
// messages (SUSPICIOUS_CONTENT, and the socket closes 4003); from the limiter
// it is an ordinary rate limit.
func ErrorCode(err error, from Origin) string {
	return CodeFor(pamerr.CodeOf(err), from)
}

// CodeFor maps a native code string (as carried by a durable error frame).
func CodeFor(code pamerr.Code, from Origin) string {
	switch code {
	case pamerr.RateLimited:
		if from == FromEngine {
			return ErrSuspicious
		}
		return ErrRateLimit
	case pamerr.UnsafeInput:
		return ErrSecurity
	case pamerr.InvalidInput, pamerr.NotFound:
		return ErrValidation
	case pamerr.MessageTooLarge:
		return ErrTooLarge
	default:
		return ErrProcessing
	}
}

// CloseFor returns the close code that follows an error frame with the app
// code, or 0 when the connection stays open.
func CloseFor(appCode string) int {
	if appCode == ErrSuspicious {
		return CloseBlocked
	}
	return 0
}
