package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
)

var (
	_ driver.Stmt             = (*stmt)(nil)
	_ driver.StmtExecContext  = (*stmt)(nil)
	_ driver.StmtQueryContext = (*stmt)(nil)
	_ driver.Rows             = (*rows)(nil)
	_ driver.Result           = (*result)(nil)
)

// timeLayout is how a time.Time argument is stored: the fixed-width UTC text
// the store reads back, whose order is time order.
const timeLayout = sqlstore.SQLiteLayout

// stmt is a prepared statement with what it keeps between runs: its column
// names, and the rows it hands out (one at a time: a cached
// statement is busy while its rows are open and is not run again until they
// are closed).
type stmt struct {
	c      *conn
	p      uintptr // sqlite3_stmt*
	nIn    int     // parameters
	cols   []string
	cached bool // the connection's cache owns it
	owned  bool // a caller's (PrepareContext), finalized by its Close
	busy   bool // its rows are open
	rows   rows
	texts  []text // scratch of rows.Next
}

func newStmt(c *conn, p uintptr) *stmt {
	s := &stmt{c: c, p: p, nIn: int(sqlite3.Xsqlite3_bind_parameter_count(c.tls, p))}
	s.rows.s = s
	s.readColumns()
	return s
}

// readColumns reads the column names, again only if a schema change
// re-prepared the statement with another number of columns.
func (s *stmt) readColumns() {
	n := int(sqlite3.Xsqlite3_column_count(s.c.tls, s.p))
	if s.cols != nil && len(s.cols) == n {
		return
	}
	s.cols = make([]string, n)
	for i := range s.cols {
		s.cols[i] = libc.GoString(sqlite3.Xsqlite3_column_name(s.c.tls, s.p, int32(i)))
	}
}

// release finalizes a statement nobody keeps once its run is over.
func (s *stmt) release() {
	if !s.cached && !s.owned {
		s.finalize()
	}
}

func (s *stmt) finalize() {
	if s.p != 0 && s.c.db != 0 {
		sqlite3.Xsqlite3_finalize(s.c.tls, s.p) // reports the last run's error, already returned
	}
	s.p = 0
}

// Close finalizes a statement prepared by PrepareContext.
func (s *stmt) Close() error {
	if s.busy {
		s.owned = false // its rows finalize it when closed
		return nil
	}
	s.finalize()
	return nil
}

func (s *stmt) NumInput() int { return s.nIn }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	r, err := s.idle()
	if err != nil {
		return nil, err
	}
	res, err := r.exec(ctx, args)
	r.release()
	return res, err
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	r, err := s.idle()
	if err != nil {
		return nil, err
	}
	rows, err := r.query(ctx, args)
	if err != nil {
		r.release()
	}
	return rows, err
}

// idle returns the caller's statement, or while its rows are open (a
// sql.Stmt run again inside the transaction reading them) a copy of its
// own, finalized after use.
func (s *stmt) idle() (*stmt, error) {
	if !s.busy {
		return s, nil
	}
	if s.c.db == 0 {
		return nil, driver.ErrBadConn
	}
	r, err := s.c.prepare(libc.GoString(sqlite3.Xsqlite3_sql(s.c.tls, s.p)), false)
	if err == nil && r == nil {
		err = errors.New("sqlite: statement cannot be prepared again")
	}
	return r, err
}

// exec runs the statement to its end. The result is its own (a caller may
// read it after running the statement again).
func (s *stmt) exec(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.start(ctx, args); err != nil {
		return nil, err
	}
	c := s.c
	for {
		rc := sqlite3.Xsqlite3_step(c.tls, s.p)
		if rc == sqlite3.SQLITE_ROW {
			continue
		}
		if rc != sqlite3.SQLITE_DONE {
			err := c.stepError(ctx, rc)
			s.reset()
			return nil, err
		}
		break
	}
	res := &result{id: sqlite3.Xsqlite3_last_insert_rowid(c.tls, c.db), n: sqlite3.Xsqlite3_changes64(c.tls, c.db)}
	s.reset()
	return res, nil
}

// query runs the statement to its first row, so that errors (a constraint
// in INSERT … RETURNING, a busy database) come from the query itself.
func (s *stmt) query(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.start(ctx, args); err != nil {
		return nil, err
	}
	rc := sqlite3.Xsqlite3_step(s.c.tls, s.p)
	s.c.done = nil // Next watches the context from here
	if rc != sqlite3.SQLITE_ROW && rc != sqlite3.SQLITE_DONE {
		err := s.c.stepError(ctx, rc)
		s.reset()
		return nil, err
	}
	s.readColumns()
	s.busy = true
	s.rows = rows{s: s, ctx: ctx, done: ctx.Done(), row: rc == sqlite3.SQLITE_ROW, eof: rc == sqlite3.SQLITE_DONE}
	return &s.rows, nil
}

// start fails fast on a context already done, binds args and points the
// progress handler at the context.
func (s *stmt) start(ctx context.Context, args []driver.NamedValue) error {
	if s.p == 0 {
		return driver.ErrBadConn
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.bind(args); err != nil {
		sqlite3.Xsqlite3_clear_bindings(s.c.tls, s.p)
		return err
	}
	s.c.done = ctx.Done()
	return nil
}

func (s *stmt) reset() {
	sqlite3.Xsqlite3_reset(s.c.tls, s.p) // repeats the step's error, already taken
	s.c.done = nil
}

// bind binds args by position. Text and blobs are copied through the
// connection's C buffer and SQLite copies them in turn (SQLITE_TRANSIENT),
// so binding allocates nothing on the Go heap.
func (s *stmt) bind(args []driver.NamedValue) error {
	if len(args) != s.nIn {
		return fmt.Errorf("sqlite: %d arguments for %d parameters", len(args), s.nIn)
	}
	c := s.c
	for i := range args {
		a := &args[i]
		if a.Name != "" {
			return fmt.Errorf("sqlite: named argument %q: only positional parameters are supported", a.Name)
		}
		idx := int32(i + 1)
		var rc int32
		switch v := a.Value.(type) {
		case nil:
			rc = sqlite3.Xsqlite3_bind_null(c.tls, s.p, idx)
		case int64:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, s.p, idx, v)
		case int:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, s.p, idx, int64(v))
		case int32:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, s.p, idx, int64(v))
		case bool:
			var b int64
			if v {
				b = 1
			}
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, s.p, idx, b)
		case float64:
			rc = sqlite3.Xsqlite3_bind_double(c.tls, s.p, idx, v)
		case string:
			rc = bindText(c, s.p, idx, v, false)
		case []byte:
			if v == nil {
				rc = sqlite3.Xsqlite3_bind_null(c.tls, s.p, idx)
			} else {
				rc = bindText(c, s.p, idx, v, true)
			}
		case time.Time:
			rc = bindTimeText(c, s.p, idx, v)
		case *string:
			if v == nil {
				rc = sqlite3.Xsqlite3_bind_null(c.tls, s.p, idx)
			} else {
				rc = bindText(c, s.p, idx, *v, false)
			}
		case *int64:
			if v == nil {
				rc = sqlite3.Xsqlite3_bind_null(c.tls, s.p, idx)
			} else {
				rc = sqlite3.Xsqlite3_bind_int64(c.tls, s.p, idx, *v)
			}
		case *json.RawMessage:
			if v == nil {
				rc = sqlite3.Xsqlite3_bind_null(c.tls, s.p, idx)
			} else {
				rc = bindText(c, s.p, idx, []byte(*v), false)
			}
		case *time.Time:
			if v == nil {
				rc = sqlite3.Xsqlite3_bind_null(c.tls, s.p, idx)
			} else {
				rc = bindTimeText(c, s.p, idx, *v)
			}
		default:
			return fmt.Errorf("sqlite: argument %d: unsupported type %T", i+1, v)
		}
		if rc != sqlite3.SQLITE_OK {
			return fmt.Errorf("argument %d: %w", i+1, c.errorOf(rc))
		}
	}
	return nil
}

// bindTimeText binds t as fixed-width UTC text through the connection's buffer.
func bindTimeText(c *conn, p uintptr, idx int32, t time.Time) int32 {
	c.times = t.UTC().AppendFormat(c.times[:0], timeLayout)
	return bindText(c, p, idx, c.times, false)
}

// bindText binds v, as text or as a blob, through the connection's buffer.
func bindText[T string | []byte](c *conn, p uintptr, idx int32, v T, blob bool) int32 {
	if len(v) > math.MaxInt32 {
		return sqlite3.SQLITE_TOOBIG
	}
	buf, err := cCopy(c.tls, &c.buf, v, false)
	if err != nil {
		return sqlite3.SQLITE_NOMEM
	}
	defer c.buf.release(c.tls, buf)
	if blob {
		return sqlite3.Xsqlite3_bind_blob(c.tls, p, idx, buf, int32(len(v)), sqlite3.SQLITE_TRANSIENT)
	}
	return sqlite3.Xsqlite3_bind_text(c.tls, p, idx, buf, int32(len(v)), sqlite3.SQLITE_TRANSIENT)
}

// rows reads a statement's rows. A cached statement keeps its one rows value.
type rows struct {
	s *stmt
	// ctx is the query's, kept for the steps of Next: its Done is what the
	// progress handler watches, its error what an interrupted step returns.
	ctx  context.Context
	done <-chan struct{}
	row  bool // the step in query stopped on a row Next has not returned yet
	eof  bool
}

func (r *rows) Columns() []string { return r.s.cols }

func (r *rows) Next(dest []driver.Value) error {
	if r.eof {
		return io.EOF
	}
	s := r.s
	c := s.c
	if !r.row {
		c.done = r.done
		rc := sqlite3.Xsqlite3_step(c.tls, s.p)
		c.done = nil
		switch rc {
		case sqlite3.SQLITE_ROW:
		case sqlite3.SQLITE_DONE:
			r.eof = true
			return io.EOF
		default:
			r.eof = true
			return c.stepError(r.ctx, rc)
		}
	}
	r.row = false
	// A row's texts share one Go allocation: a string kept keeps its row's
	// texts alive, a row's worth of memory, for one allocation per row
	// instead of one per text.
	texts := s.texts[:0]
	size := 0
	for i := range dest {
		col := int32(i)
		switch sqlite3.Xsqlite3_column_type(c.tls, s.p, col) {
		case sqlite3.SQLITE_INTEGER:
			dest[i] = sqlite3.Xsqlite3_column_int64(c.tls, s.p, col)
		case sqlite3.SQLITE_FLOAT:
			dest[i] = sqlite3.Xsqlite3_column_double(c.tls, s.p, col)
		case sqlite3.SQLITE_TEXT:
			p := sqlite3.Xsqlite3_column_text(c.tls, s.p, col)
			n := int(sqlite3.Xsqlite3_column_bytes(c.tls, s.p, col))
			texts = append(texts, text{i, p, n})
			size += n
		case sqlite3.SQLITE_BLOB:
			p := sqlite3.Xsqlite3_column_blob(c.tls, s.p, col)
			b := make([]byte, sqlite3.Xsqlite3_column_bytes(c.tls, s.p, col))
			copy(b, libc.GoBytes(p, len(b)))
			dest[i] = b
		default:
			dest[i] = nil
		}
	}
	s.texts = texts
	if len(texts) == 0 {
		return nil
	}
	buf := make([]byte, size)
	for _, t := range texts {
		copy(buf, libc.GoBytes(t.p, t.n))
		dest[t.col] = unsafe.String(unsafe.SliceData(buf), t.n) // buf is never written again
		buf = buf[t.n:]
	}
	return nil
}

// text is where a TEXT column's value lies in SQLite's memory until the next step.
type text struct {
	col int
	p   uintptr
	n   int
}

// Close resets the statement for its next run (or finalizes one nobody keeps).
func (r *rows) Close() error {
	s := r.s
	if !s.busy {
		return nil
	}
	s.busy = false
	r.ctx, r.done = nil, nil
	if s.p != 0 && s.c.db != 0 {
		s.reset()
	}
	s.release()
	return nil
}

// result is a statement's last insert id and count of changed rows.
type result struct{ id, n int64 }

func (r *result) LastInsertId() (int64, error) { return r.id, nil }
func (r *result) RowsAffected() (int64, error) { return r.n, nil }

func namedValues(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, v := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}
