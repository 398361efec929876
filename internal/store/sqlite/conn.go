package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// PAM's database/sql driver, written on the transpiled SQLite C API.
//
// modernc.org/sqlite's own driver costs a chat turn some 130 allocations:
// a Go slice of C bindings per statement, a goroutine, channel and mutex per
// statement whose context can end, column names per query, a result, rows
// and statement object per call. This one keeps per connection what can be
// kept: prepared statements with their column names, result and rows; one C
// buffer the text and blob arguments are copied through; and it watches
// contexts from SQLite's progress handler, on the goroutine already running
// the statement.

// config is what a connection is opened with.
type config struct {
	path     string   // the database file, or ":memory:" for a private in-memory database
	readOnly bool     // a reading connection: plain BEGIN, query_only among the pragmas
	pragmas  []string // run in order once open, e.g. "busy_timeout = 5000"
}

// connector opens connections with its config.
type connector struct{ cfg config }

var (
	_ driver.Connector          = (*connector)(nil)
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
	_ driver.Tx                 = (*tx)(nil)
)

func (c *connector) Connect(context.Context) (driver.Conn, error) { return openConn(c.cfg) }

func (c *connector) Driver() driver.Driver { return sqliteDriver{} }

// sqliteDriver exists for database/sql's DB.Driver; connections come from the connector.
type sqliteDriver struct{}

func (sqliteDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("sqlite: connections are opened through the connector")
}

// stmtCacheSize bounds the prepared statements one connection keeps. The
// store's queries are a few dozen static strings (a few more for the filtered
// lists); the bound only keeps a stream of distinct queries from growing it.
const stmtCacheSize = 256

// progressOps is how many virtual machine instructions SQLite runs between
// two looks at the statement's context: tens of microseconds.
const progressOps = 1000

// conn is one SQLite connection. database/sql never uses a connection from
// two goroutines at once (it holds the connection's lock around every call,
// Rows.Close included), so nothing here is locked; SQLite is opened without
// its per-connection mutex for the same reason.
type conn struct {
	tls      *libc.TLS
	db       uintptr // sqlite3*
	slot     uintptr // index in handles, the progress handler's argument
	readOnly bool
	begin    string // the statement that begins a transaction

	// done is the Done channel of the context of the statement being
	// stepped, nil for none. It is set before every step on the goroutine
	// that steps, and read by the progress handler on that same goroutine.
	done <-chan struct{}

	out   uintptr // C memory for two pointers: prepare's out parameters
	buf   cbuf    // C copy of query text and of text and blob arguments
	times []byte  // a time argument, formatted
	stmts map[string]*stmt
	tx    tx
	roTx  bool // the open transaction turned query_only on, to be turned off at its end
}

// patchLib applies the lib's platform fix-ups that modernc.org/sqlite's init
// would otherwise have applied.
var patchLib sync.Once

func openConn(cfg config) (*conn, error) {
	patchLib.Do(sqlite3.PatchIssue199)
	c := &conn{tls: libc.NewTLS(), readOnly: cfg.readOnly, begin: "BEGIN IMMEDIATE", stmts: make(map[string]*stmt)}
	if cfg.readOnly {
		c.begin = "BEGIN"
	}
	c.tx.c = c
	if c.out = libc.Xmalloc(c.tls, types.Size_t(2*ptrSize)); c.out == 0 {
		c.tls.Close()
		return nil, errNoMem
	}
	name, err := libc.CString(cfg.path)
	if err != nil {
		c.close()
		return nil, err
	}
	// SQLITE_OPEN_NOMUTEX: see conn. EXRESCODE: constraint errors carry
	// their kind (SQLITE_CONSTRAINT_UNIQUE…), which Dialect relies on.
	const flags = sqlite3.SQLITE_OPEN_READWRITE | sqlite3.SQLITE_OPEN_CREATE |
		sqlite3.SQLITE_OPEN_NOMUTEX | sqlite3.SQLITE_OPEN_EXRESCODE
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, c.out, flags, 0)
	libc.Xfree(c.tls, name)
	c.db = cPtr(c.out)
	if rc != sqlite3.SQLITE_OK {
		err := c.errorOf(rc)
		c.close()
		return nil, fmt.Errorf("open %s: %w", cfg.path, err)
	}
	c.slot = handles.add(c)
	sqlite3.Xsqlite3_progress_handler(c.tls, c.db, progressOps, progressFunc, c.slot)
	for _, p := range cfg.pragmas {
		if _, err := c.execScript(context.Background(), "PRAGMA "+p, nil); err != nil {
			c.close()
			return nil, fmt.Errorf("open %s: pragma %s: %w", cfg.path, p, err)
		}
	}
	return c, nil
}

// Close finalizes the connection's statements and closes it.
func (c *conn) Close() error { return c.close() }

func (c *conn) close() error {
	var err error
	if c.db != 0 {
		// Every statement, the cache's and any a caller failed to close.
		for p := sqlite3.Xsqlite3_next_stmt(c.tls, c.db, 0); p != 0; p = sqlite3.Xsqlite3_next_stmt(c.tls, c.db, 0) {
			sqlite3.Xsqlite3_finalize(c.tls, p) // reports the statement's last run, already reported
		}
		for _, s := range c.stmts {
			s.p = 0
		}
		c.stmts = nil
		if rc := sqlite3.Xsqlite3_close_v2(c.tls, c.db); rc != sqlite3.SQLITE_OK {
			err = c.errorOf(rc)
		}
		c.db = 0
	}
	if c.slot != 0 {
		handles.remove(c.slot)
		c.slot = 0
	}
	c.buf.free(c.tls)
	if c.out != 0 {
		libc.Xfree(c.tls, c.out)
		c.out = 0
	}
	if c.tls != nil {
		c.tls.Close()
		c.tls = nil
	}
	return err
}

// Ping reports whether the connection is open; SQLite has no server to ask.
func (c *conn) Ping(context.Context) error {
	if c.db == 0 {
		return driver.ErrBadConn
	}
	return nil
}

// IsValid reports whether database/sql may keep the connection in its pool.
func (c *conn) IsValid() bool { return c.db != 0 }

// ResetSession ends a transaction a failed COMMIT left open before the
// connection serves anyone else.
func (c *conn) ResetSession(context.Context) error {
	if c.db == 0 {
		return driver.ErrBadConn
	}
	if sqlite3.Xsqlite3_get_autocommit(c.tls, c.db) == 0 {
		if err := c.tx.Rollback(); err != nil {
			return driver.ErrBadConn
		}
	}
	return nil
}

// Prepare is database/sql's fallback; it prefers PrepareContext.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext prepares a statement the caller owns and closes (sql.Stmt);
// the store itself goes through ExecContext and QueryContext and the cache.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := c.prepare(query, false)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return &script{c: c, query: query}, nil
	}
	s.owned = true
	return s, nil
}

// ExecContext runs query through its cached prepared statement.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.execScript(ctx, query, args)
	}
	res, err := s.exec(ctx, args)
	s.release()
	return res, err
}

// QueryContext runs query through its cached prepared statement.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("sqlite: a query must be a single statement")
	}
	rows, err := s.query(ctx, args)
	if err != nil {
		s.release()
		return nil, err
	}
	return rows, nil
}

// stmt returns the prepared statement for query, preparing it on first use;
// nil for a script of several statements, run by execScript. While the
// cached statement's rows are open, running it again would reset it under
// them: the query then gets a statement of its own, finalized after use, as
// it does when the cache is full of such busy statements.
func (c *conn) stmt(ctx context.Context, query string) (*stmt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, ok := c.stmts[query]
	if ok && !s.busy {
		return s, nil
	}
	s, err := c.prepare(query, !ok)
	if err != nil || s == nil {
		return nil, err
	}
	if !ok && (len(c.stmts) < stmtCacheSize || c.evict()) {
		s.cached = true
		c.stmts[query] = s
	}
	return s, nil
}

// evict finalizes one idle statement to make room; false when all are busy.
func (c *conn) evict() bool {
	for q, s := range c.stmts {
		if !s.busy {
			delete(c.stmts, q)
			s.finalize()
			return true
		}
	}
	return false
}

// CheckNamedValue lets the argument types bind handles through unconverted:
// database/sql's default conversion boxes an int anew as an int64, and would
// box the value behind a pointer anew too. A *string, *int64 or *time.Time
// (nil binds NULL) lets the store bind a field of a record already on the
// heap with no allocation at all, as pgx takes pointers; a *json.RawMessage
// binds as text (JSON is text in SQLite). Others
// (driver.Valuer, other pointers, named types) take the default conversion.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	switch nv.Value.(type) {
	case nil, int64, float64, bool, string, []byte, time.Time, int, int32, *string, *int64, *time.Time, *json.RawMessage:
		return nil
	}
	return driver.ErrSkip
}

// Begin is database/sql's fallback; it prefers BeginTx.
func (c *conn) Begin() (driver.Tx, error) { return c.BeginTx(context.Background(), driver.TxOptions{}) }

// BeginTx begins a transaction: IMMEDIATE on the writing connection, so a
// write transaction takes the lock up front (waiting up to busy_timeout for
// another process) instead of failing on its first write. A read-only
// transaction begins deferred, takes no write lock, and has query_only on
// for its duration. SQLite's transactions are serializable: other isolation
// levels are refused rather than silently strengthened.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault, sql.LevelSerializable:
	default:
		return nil, fmt.Errorf("sqlite: isolation level %v is not supported", sql.IsolationLevel(opts.Isolation))
	}
	begin := c.begin
	if opts.ReadOnly && !c.readOnly {
		if _, err := c.ExecContext(ctx, "PRAGMA query_only = 1", nil); err != nil {
			return nil, err
		}
		c.roTx = true
		begin = "BEGIN"
	}
	if _, err := c.ExecContext(ctx, begin, nil); err != nil {
		if c.roTx {
			c.roTx = false
			_, _ = c.ExecContext(context.Background(), "PRAGMA query_only = 0", nil) // cannot fail outside a transaction
		}
		return nil, err
	}
	return &c.tx, nil
}

// tx is a connection's transaction; one at a time, so the connection keeps it.
type tx struct{ c *conn }

func (t *tx) Commit() error   { return t.end("COMMIT") }
func (t *tx) Rollback() error { return t.end("ROLLBACK") }

// end runs COMMIT or ROLLBACK whatever the caller's context (database/sql
// watches it and rolls back itself when it ends), then turns query_only off
// if the transaction turned it on.
func (t *tx) end(stmt string) error {
	c := t.c
	if c.db == 0 {
		return driver.ErrBadConn
	}
	_, err := c.ExecContext(context.Background(), stmt, nil)
	if c.roTx && sqlite3.Xsqlite3_get_autocommit(c.tls, c.db) != 0 {
		c.roTx = false
		if _, e := c.ExecContext(context.Background(), "PRAGMA query_only = 0", nil); e != nil {
			err = errors.Join(err, e)
		}
	}
	return err
}

// execScript runs query, which may hold several statements, preparing each
// in turn; each statement takes as many of args as it has parameters. The
// result is the last statement's.
func (c *conn) execScript(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	text, err := libc.CString(query)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, text)
	res := new(result)
	tail, end := text, text+uintptr(len(query))
	for tail < end {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, tail, int32(end-tail), c.out, c.out+ptrSize)
		if rc != sqlite3.SQLITE_OK {
			return nil, c.errorOf(rc)
		}
		p, next := cPtr(c.out), cPtr(c.out+ptrSize)
		if next <= tail { // nothing consumed; cannot happen, but must not loop
			next = end
		}
		tail = next
		if p == 0 { // white space or a comment
			continue
		}
		s := newStmt(c, p)
		n := min(s.nIn, len(args))
		r, err := s.exec(ctx, args[:n])
		s.finalize()
		if err != nil {
			return nil, err
		}
		*res = *r.(*result)
		args = args[n:]
	}
	if len(args) > 0 {
		return nil, fmt.Errorf("sqlite: %d arguments more than the script's parameters", len(args))
	}
	return res, nil
}

// prepare prepares query as one statement, nil for a script: a query with
// more than white space after its first statement, or none at all.
// persistent tells SQLite the statement will be kept and reused.
func (c *conn) prepare(query string, persistent bool) (*stmt, error) {
	if len(query) >= 1<<30 {
		return nil, c.errorOf(sqlite3.SQLITE_TOOBIG)
	}
	text, err := cCopy(c.tls, &c.buf, query, true)
	if err != nil {
		return nil, err
	}
	defer c.buf.release(c.tls, text)
	var flags uint32
	if persistent {
		flags = sqlite3.SQLITE_PREPARE_PERSISTENT
	}
	rc := sqlite3.Xsqlite3_prepare_v3(c.tls, c.db, text, int32(len(query)+1), flags, c.out, c.out+ptrSize)
	if rc != sqlite3.SQLITE_OK {
		return nil, c.errorOf(rc)
	}
	p, tail := cPtr(c.out), cPtr(c.out+ptrSize)
	if rest := int(tail - text); p != 0 && (rest >= len(query) || strings.TrimSpace(query[rest:]) == "" || c.noStatement(tail, len(query)-rest)) {
		return newStmt(c, p), nil
	}
	if p != 0 {
		sqlite3.Xsqlite3_finalize(c.tls, p)
	}
	return nil, nil
}

// noStatement reports whether the n bytes of C text at p (NUL-terminated)
// hold no statement, only comments and spaces ("SELECT 1; -- note").
func (c *conn) noStatement(p uintptr, n int) bool {
	for end := p + uintptr(n); p < end; {
		if sqlite3.Xsqlite3_prepare_v3(c.tls, c.db, p, int32(end-p)+1, 0, c.out, c.out+ptrSize) != sqlite3.SQLITE_OK {
			return false
		}
		q, next := cPtr(c.out), cPtr(c.out+ptrSize)
		if q != 0 {
			sqlite3.Xsqlite3_finalize(c.tls, q)
			return false
		}
		if next <= p {
			return false
		}
		p = next // past an empty statement (";")
	}
	return true
}

// script is a prepared multi-statement script: run anew on every Exec.
type script struct {
	c     *conn
	query string
}

func (s *script) Close() error  { return nil }
func (s *script) NumInput() int { return -1 }

func (s *script) Exec(args []driver.Value) (driver.Result, error) {
	return s.c.execScript(context.Background(), s.query, namedValues(args))
}

func (s *script) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.execScript(ctx, s.query, args)
}

func (s *script) Query([]driver.Value) (driver.Rows, error) {
	return nil, errors.New("sqlite: a query must be a single statement")
}

// errNoMem is the C allocator's failure.
var errNoMem = &Error{code: sqlite3.SQLITE_NOMEM, msg: "out of memory"}

// The progress handler: SQLite calls progress every progressOps
// instructions with the slot of the connection, which then ends the
// statement (SQLITE_INTERRUPT) if its context is done. It runs on the
// goroutine stepping the statement, so it needs no goroutine, channel or
// callback per statement. sqlite3_interrupt from a context.AfterFunc would
// need one callback per statement, and it is lost when it comes before the
// statement's first instruction (SQLite clears the flag when a statement
// starts on an idle connection).
var progressFunc = cFunc(progress)

func progress(_ *libc.TLS, slot uintptr) int32 {
	c := handles.get(slot)
	if c == nil || c.done == nil {
		return 0
	}
	select {
	case <-c.done:
		return 1
	default:
		return 0
	}
}

// handles maps progress-handler slots to connections: a copy-on-write
// slice, so the handler reads it with one atomic load.
var handles registry

type registry struct {
	mu    sync.Mutex
	conns atomic.Pointer[[]*conn] // slot i is conns[i]; slot 0 is never used
}

func (r *registry) add(c *conn) uintptr {
	r.mu.Lock()
	defer r.mu.Unlock()
	cs := []*conn{nil}
	if p := r.conns.Load(); p != nil {
		cs = append([]*conn(nil), *p...)
	}
	for i := 1; i < len(cs); i++ {
		if cs[i] == nil {
			cs[i] = c
			r.conns.Store(&cs)
			return uintptr(i)
		}
	}
	cs = append(cs, c)
	r.conns.Store(&cs)
	return uintptr(len(cs) - 1)
}

func (r *registry) remove(slot uintptr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cs := append([]*conn(nil), *r.conns.Load()...)
	cs[slot] = nil
	r.conns.Store(&cs)
}

func (r *registry) get(slot uintptr) *conn {
	if p := r.conns.Load(); p != nil && slot < uintptr(len(*p)) {
		return (*p)[slot]
	}
	return nil
}

const ptrSize = unsafe.Sizeof(uintptr(0))

// cPtr reads the pointer C code stored at p (in C memory, not Go's).
func cPtr(p uintptr) uintptr {
	return *(*uintptr)(unsafe.Pointer(unsafe.SliceData(libc.GoBytes(p, int(ptrSize)))))
}

// cFunc turns a top-level Go function into the C function pointer the
// transpiled code calls: a pointer to its func value, which is static.
func cFunc[T any](f T) uintptr {
	return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f}))
}

// cbuf is C memory reused for copies of Go strings and bytes that SQLite
// reads during one call (it copies what it keeps: SQLITE_TRANSIENT).
type cbuf struct {
	p uintptr
	n int
}

// cbufKeep bounds the buffer a connection keeps; a larger value is copied
// through memory of its own, freed at once.
const cbufKeep = 64 << 10

// cCopy copies s to C memory, NUL-terminated when nul, and returns it: the
// connection's buffer, or for a large s memory the caller frees with
// b.release. The pointer is never 0, even for an empty s (SQLite binds a
// 0 pointer as NULL).
func cCopy[T string | []byte](tls *libc.TLS, b *cbuf, s T, nul bool) (uintptr, error) {
	n := len(s)
	if nul {
		n++
	}
	if n > cbufKeep {
		p := libc.Xmalloc(tls, types.Size_t(n))
		if p == 0 {
			return 0, errNoMem
		}
		fill(p, n, s)
		return p, nil
	}
	if n > b.n || b.p == 0 {
		size := min(max(n, 2*b.n, 256), cbufKeep)
		p := libc.Xrealloc(tls, b.p, types.Size_t(size))
		if p == 0 {
			return 0, errNoMem
		}
		b.p, b.n = p, size
	}
	fill(b.p, n, s)
	return b.p, nil
}

// fill copies s to the n bytes at p, a 0 after it if there is room.
func fill[T string | []byte](p uintptr, n int, s T) {
	dst := libc.GoBytes(p, n)
	if copy(dst, s) < n {
		dst[len(s)] = 0
	}
}

// release frees p if cCopy allocated it for a large value.
func (b *cbuf) release(tls *libc.TLS, p uintptr) {
	if p != b.p {
		libc.Xfree(tls, p)
	}
}

func (b *cbuf) free(tls *libc.TLS) {
	if b.p != 0 {
		libc.Xfree(tls, b.p)
		b.p, b.n = 0, 0
	}
}
