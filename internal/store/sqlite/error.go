package sqlite

import (
	"context"
	"errors"
	"strconv"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Error is a failure SQLite reported: its extended result code
// (SQLITE_CONSTRAINT_UNIQUE, SQLITE_BUSY, SQLITE_READONLY…) and message.
type Error struct {
	code int
	msg  string
}

// Code returns the extended result code; code&0xff is the primary one.
func (e *Error) Code() int { return e.code }

func (e *Error) Error() string {
	return "sqlite: " + e.msg + " (" + strconv.Itoa(e.code) + ")"
}

// errorOf returns the error for result code rc with the connection's
// message, or SQLite's text for the code when the message is another's.
func (c *conn) errorOf(rc int32) error {
	msg := ""
	if c.db != 0 && sqlite3.Xsqlite3_extended_errcode(c.tls, c.db)&0xff == rc&0xff {
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db))
	}
	if msg == "" {
		msg = libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	}
	return &Error{code: int(rc), msg: msg}
}

// stepError is a failed step's error: the context's when the progress
// handler stopped the statement because the context ended.
func (c *conn) stepError(ctx context.Context, rc int32) error {
	if rc == sqlite3.SQLITE_INTERRUPT {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return c.errorOf(rc)
}

// isCode reports whether err is a SQLite error with one of the extended codes.
func isCode(codes ...int) func(error) bool {
	return func(err error) bool {
		var e *Error
		if !errors.As(err, &e) {
			return false
		}
		for _, c := range codes {
			if e.Code() == c {
				return true
			}
		}
		return false
	}
}
