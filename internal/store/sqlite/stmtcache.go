package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
)

// stmtCacheSize bounds the prepared statements one connection keeps. The
// store's queries are a few dozen static strings (a few more for the filtered
// lists); the bound only keeps a stream of distinct queries from growing it.
const stmtCacheSize = 256

// cachingConnector opens connections that keep their prepared statements.
//
// database/sql hands a query on a *sql.Conn or *sql.Tx straight to the
// driver connection, and modernc.org/sqlite then parses it anew every time:
// a sixth of a chat turn went to SQLite's parser. database/sql's own
// statement reuse (*sql.Stmt) is bound to a *sql.DB, not to the *sql.Conn
// sqlstore acquires under an acquire timeout, so the cache lives here, below
// database/sql, per physical connection. (PostgreSQL needs none: pgx caches
// prepared statements per connection itself.)
type cachingConnector struct{ driver.Connector }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	dc, ok := conn.(driverConn)
	if !ok {
		return conn, nil // a driver without the context interfaces: no cache
	}
	return &cachingConn{driverConn: dc, stmts: make(map[string]*cachedStmt)}, nil
}

// driverConn is what every connection modernc.org/sqlite opens implements;
// the wrapper forwards all of it (sqlite.NewConnector's documentation lists it).
type driverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// driverStmt is what modernc.org/sqlite's statements implement.
type driverStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// driverRows is what modernc.org/sqlite's rows implement; cachedRows forwards it.
type driverRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachingConn runs ExecContext and QueryContext through statements prepared
// once per query. database/sql never uses a driver connection from two
// goroutines at once (it holds the connection's lock around every call,
// Rows.Close included), so the map needs no lock of its own.
type cachingConn struct {
	driverConn
	stmts map[string]*cachedStmt
}

// cachedStmt is a prepared statement; busy while its rows are open, since
// running it again would reset the statement under them.
type cachedStmt struct {
	driverStmt
	busy bool
	rows cachedRows // the one open result, reused: at most one while busy
}

// cachedRows releases its statement when closed.
type cachedRows struct {
	driverRows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	r.s.busy = false
	return r.driverRows.Close()
}

// Unwrap returns the driver's connection (sqlite.Limit looks through wrappers).
func (c *cachingConn) Unwrap() driver.Conn { return c.driverConn }

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.driverConn.ExecContext(ctx, query, args)
	}
	return s.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.driverConn.QueryContext(ctx, query, args)
	}
	rows, err := s.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	dr, ok := rows.(driverRows)
	if !ok {
		return nil, errors.Join(fmt.Errorf("sqlite: unexpected rows type %T", rows), rows.Close())
	}
	s.busy = true
	s.rows = cachedRows{driverRows: dr, s: s}
	return &s.rows, nil
}

// stmt returns the prepared statement for query, preparing it on first use;
// nil (run it unprepared) for a script of several statements, which the
// driver re-parses anyway, while the statement's rows are open, or when the
// cache is full of busy statements.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	if strings.IndexByte(query, ';') >= 0 || (len(c.stmts) >= stmtCacheSize && !c.evict()) {
		return nil, nil
	}
	ps, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ds, ok := ps.(driverStmt)
	if !ok {
		return nil, errors.Join(fmt.Errorf("sqlite: unexpected statement type %T", ps), ps.Close())
	}
	s := &cachedStmt{driverStmt: ds}
	c.stmts[query] = s
	return s, nil
}

// evict closes one idle statement to make room; false when all are busy.
func (c *cachingConn) evict() bool {
	for q, s := range c.stmts {
		if !s.busy {
			delete(c.stmts, q)
			_ = s.Close() // see Close
			return true
		}
	}
	return false
}

// Close finalizes the statements, then closes the connection. Finalizing
// reports nothing new: at most the error of the statement's last run, which
// that run already returned.
func (c *cachingConn) Close() error {
	for _, s := range c.stmts {
		_ = s.Close()
	}
	c.stmts = nil
	return c.driverConn.Close()
}
