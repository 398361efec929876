// Package pamerr owns PAM's error taxonomy: stable, upper-snake codes that every
// transport maps to a status and a user-facing message, and the category
// (user, system, external, unknown) used by logs, metrics and alerts.
package pamerr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Code is a stable error code clients may switch on.
type Code string

// The codes of the public contract (DESIGN.md).
const (
	Unauthenticated     Code = "UNAUTHENTICATED"
	Forbidden           Code = "FORBIDDEN"
	NotFound            Code = "NOT_FOUND"
	InvalidInput        Code = "INVALID_INPUT"
	MessageTooLarge     Code = "MESSAGE_TOO_LARGE"
	UnsafeInput         Code = "UNSAFE_INPUT"
	RateLimited         Code = "RATE_LIMITED"
	Overloaded          Code = "OVERLOADED"
	Maintenance         Code = "MAINTENANCE"
	UpstreamUnavailable Code = "UPSTREAM_UNAVAILABLE"
	Conflict            Code = "CONFLICT"
	Internal            Code = "INTERNAL"
)

// Category groups codes for logging, metrics and alerting.
type Category string

// Categories of the hardening plan's error taxonomy.
const (
	CategoryUser     Category = "user"
	CategorySystem   Category = "system"
	CategoryExternal Category = "external"
	CategoryUnknown  Category = "unknown"
)

// Error is an error with a stable code and a message safe to show a user.
type Error struct {
	Code       Code
	Message    string
	Field      string        // the offending input field, when there is one
	RetryAfter time.Duration // for RATE_LIMITED, OVERLOADED, MAINTENANCE
	Err        error         // the wrapped cause; never shown to the user
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with the code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an INVALID_INPUT error naming the field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: InvalidInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the code and message that wraps err.
func Wrap(err error, code Code, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// CodeOf returns the code of err, INTERNAL for an error without one, "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the user-facing message of err; internals are never shown.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// RetryAfterOf returns the retry hint carried by err, or zero.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// IsBusy reports a transient refusal by the infrastructure (a database pool
// exhausted or the database unreachable), which a moment later may not repeat.
func IsBusy(err error) bool {
	c := CodeOf(err)
	return c == Overloaded || c == Maintenance
}

// Status maps a code to its HTTP status.
func Status(c Code) int {
	switch c {
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case InvalidInput, UnsafeInput:
		return http.StatusBadRequest
	case MessageTooLarge:
		return http.StatusRequestEntityTooLarge
	case RateLimited:
		return http.StatusTooManyRequests
	case Overloaded, Maintenance:
		return http.StatusServiceUnavailable
	case UpstreamUnavailable:
		return http.StatusBadGateway
	case Conflict:
		return http.StatusConflict
	default:
		return http.StatusInternalServerError
	}
}

// CategoryOf classifies err for logs, metrics and alerts.
func CategoryOf(err error) Category {
	switch CodeOf(err) {
	case "":
		return ""
	case Unauthenticated, Forbidden, NotFound, InvalidInput, MessageTooLarge, UnsafeInput, RateLimited, Conflict:
		return CategoryUser
	case Overloaded, Maintenance:
		return CategorySystem
	case UpstreamUnavailable:
		return CategoryExternal
	default:
		return CategoryUnknown
	}
}
