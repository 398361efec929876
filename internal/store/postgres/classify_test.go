package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
)

func TestIsConnError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		conn, safe bool
	}{
		{"unique violation", &pgconn.PgError{Code: "23505"}, false, false},
		{"foreign key", fmt.Errorf("insert: %w", &pgconn.PgError{Code: "23503"}), false, false},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, false, false},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true, false},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, true, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true, false},
		{"bad conn", fmt.Errorf("query: %w", driver.ErrBadConn), true, true},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true, false},
		{"eof mid-query", io.ErrUnexpectedEOF, true, false},
		{"plain error", errors.New("boom"), false, false},
		{"canceled", context.Canceled, false, false},
		{"acquire timeout", fmt.Errorf("acquire connection: %w", context.DeadlineExceeded), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn, safe := isConnError(tc.err)
			if conn != tc.conn || safe != tc.safe {
				t.Errorf("isConnError(%v) = %v, %v; want %v, %v", tc.err, conn, safe, tc.conn, tc.safe)
			}
		})
	}
}

// Dialing is bounded: by the URL's connect_timeout, else the acquire timeout.
func TestConnConfigBoundsDialing(t *testing.T) {
	o := sqlstore.Options{AcquireTimeout: 7 * time.Second}
	for url, want := range map[string]time.Duration{
		"postgres://u@localhost/pam":                   7 * time.Second,
		"postgres://u@localhost/pam?connect_timeout=3": 3 * time.Second,
	} {
		cfg, err := connConfig(url, o)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.ConnectTimeout != want {
			t.Errorf("%s: connect timeout %v, want %v", url, cfg.ConnectTimeout, want)
		}
	}
}
