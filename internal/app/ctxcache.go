package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/store"
)

// ctxStore is the user-context cache tier over the store: the user row
// (profile and settings) every turn needs. A write to the user clears that
// user's "ctx:<user>:" keys once it has committed; with the Redis cache that
// invalidation reaches every instance.
// A login warms the user's entry. Only the turn path reads through the cache
// (readThrough): its copy has no password hash, so code that writes a user
// back always reads the database.
type ctxStore struct {
	store.Store
	c           cache.Cache
	ttl         time.Duration
	log         *slog.Logger
	readThrough bool
	pending     *[]string // inside a transaction: users to clear after commit
	txUsers     []string  // what pending points to in a transaction's copy
	decoded     *userMemo // turn path: the last decoding of each cached entry
}

func ctxKey(userID string) string     { return "ctx:" + userID + ":" }
func ctxUserKey(userID string) string { return "ctx:" + userID + ":user" } // ctxKey(userID) + "user", in one concatenation

// withUserContextCache wraps st; turns reads through the cache, st does not.
func withUserContextCache(st store.Store, c cache.Cache, ttl time.Duration, log *slog.Logger) (writes, turns store.Store) {
	w := &ctxStore{Store: st, c: c, ttl: ttl, log: log}
	r := *w
	r.readThrough, r.decoded = true, newUserMemo(memoUsers)
	return w, &r
}

func (s *ctxStore) invalidate(ctx context.Context, userID string) {
	if userID == "" {
		return
	}
	if s.pending != nil {
		*s.pending = append(*s.pending, userID)
		return
	}
	if p, ok := ctx.Value(pendingUsersKey{}).(*pendingUsers); ok {
		p.add(userID)
		return
	}
	if err := s.c.DeletePrefix(context.WithoutCancel(ctx), ctxKey(userID)); err != nil {
		s.log.Warn("user context cache: invalidation failed", "user_id", userID, "error", err)
	}
}

func (s *ctxStore) warm(ctx context.Context, u *store.User) {
	raw, err := json.Marshal(u)
	if err != nil {
		return
	}
	_ = s.c.Set(ctx, ctxUserKey(u.ID), raw, s.ttl) // a cache that is down only costs a database read
}

// InTx implements store.Store: invalidations wait for the commit.
func (s *ctxStore) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.pending != nil {
		return fn(s) // already in the transaction
	}
	// One copy serves every try of the transaction; users a failed try
	// recorded are cleared too, which costs a cache read at most.
	inner := *s
	inner.txUsers = nil
	inner.pending = &inner.txUsers
	err := s.Store.InTx(ctx, func(tx store.Store) error {
		inner.Store = tx
		return fn(&inner)
	})
	if err == nil {
		for _, u := range inner.txUsers {
			s.invalidate(ctx, u)
		}
	}
	return err
}

// InTxContext implements store.Store: invalidations made with fn's ctx wait
// for the commit (a reader must not re-warm the old row in between).
func (s *ctxStore) InTxContext(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(pendingUsersKey{}).(*pendingUsers); ok || s.pending != nil {
		return s.Store.InTxContext(ctx, fn)
	}
	// The transaction's context derives from pc, so every try's writes find
	// the same pending users; users a failed try recorded are cleared too,
	// which costs a cache read at most.
	pc := &pendingUsersCtx{Context: ctx}
	err := s.Store.InTxContext(pc, fn)
	if err == nil {
		for _, u := range pc.users.take() {
			s.invalidate(ctx, u)
		}
	}
	return err
}

type pendingUsersKey struct{}

// pendingUsersCtx is ctx carrying a transaction's pendingUsers under
// pendingUsersKey, as context.WithValue would, in one allocation with them.
type pendingUsersCtx struct {
	context.Context
	users pendingUsers
}

func (c *pendingUsersCtx) Value(key any) any {
	if key == (pendingUsersKey{}) {
		return &c.users
	}
	return c.Context.Value(key)
}

// pendingUsers are the users whose cached rows a transaction changed.
type pendingUsers struct {
	mu    sync.Mutex
	users []string
}

func (p *pendingUsers) add(id string) {
	p.mu.Lock()
	p.users = append(p.users, id)
	p.mu.Unlock()
}

func (p *pendingUsers) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.users
}

// UserByID implements store.Store, from the cache on the turn path.
func (s *ctxStore) UserByID(ctx context.Context, id string) (*store.User, error) {
	if !s.readThrough || s.pending != nil {
		return s.Store.UserByID(ctx, id)
	}
	if raw, ok, _ := s.c.Get(ctx, s.decoded.cacheKey(id)); ok {
		if u := s.decoded.get(id, raw); u != nil {
			return u, nil
		}
	}
	u, err := s.Store.UserByID(ctx, id)
	if err == nil {
		s.warm(ctx, u)
	}
	return u, err
}

// UserByEmail implements store.Store; a login warms the user's context.
func (s *ctxStore) UserByEmail(ctx context.Context, email string) (*store.User, error) {
	u, err := s.Store.UserByEmail(ctx, email)
	if err == nil && s.pending == nil {
		s.warm(ctx, u)
	}
	return u, err
}

// The writes below change the cached user row. Expenses, budgets, fuel and
// vehicles are not part of it (they are read from the database on every
// turn), so their writes have nothing here to invalidate.

func (s *ctxStore) UpdateUser(ctx context.Context, u *store.User) error {
	err := s.Store.UpdateUser(ctx, u)
	s.invalidate(ctx, u.ID)
	return err
}

func (s *ctxStore) DeleteUser(ctx context.Context, id string) error {
	err := s.Store.DeleteUser(ctx, id)
	s.invalidate(ctx, id)
	return err
}

// Stats passes the pool statistics of the wrapped store through (for metrics).
func (s *ctxStore) Stats() sql.DBStats {
	if st, ok := s.Store.(interface{ Stats() sql.DBStats }); ok {
		return st.Stats()
	}
	return sql.DBStats{}
}

// memoUsers bounds the decoded users a turn store keeps.
const memoUsers = 10000

// userMemo keeps the decoding of each user's cached entry, so a turn that
// finds the same bytes in the cache (in-process or Redis) as the last one
// skips the JSON decoding. Any change of the bytes (an update, an
// invalidation and re-warm) decodes afresh, so it never serves a stale row.
type userMemo struct {
	mu  sync.Mutex
	max int
	m   map[string]memoEntry
}

type memoEntry struct {
	raw []byte
	u   store.User
	key string // ctxUserKey of the user, built once
}

func newUserMemo(max int) *userMemo { return &userMemo{max: max, m: map[string]memoEntry{}} }

// cacheKey returns ctxUserKey(id), the one kept with id's entry when there
// is one: a turn reads its user's entry without building the key again.
func (m *userMemo) cacheKey(id string) string {
	m.mu.Lock()
	e, ok := m.m[id]
	m.mu.Unlock()
	if ok {
		return e.key
	}
	return ctxUserKey(id)
}

// get returns a copy of the user raw decodes to, nil when raw is not a user id's entry.
func (m *userMemo) get(id string, raw []byte) *store.User {
	m.mu.Lock()
	e, ok := m.m[id]
	m.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		u := e.u
		return &u
	}
	var u store.User
	if json.Unmarshal(raw, &u) != nil || u.ID != id {
		return nil
	}
	m.mu.Lock()
	if len(m.m) >= m.max {
		clear(m.m) // a crude bound: the active users re-enter on their next turn
	}
	m.m[id] = memoEntry{raw: bytes.Clone(raw), u: u, key: ctxUserKey(id)}
	m.mu.Unlock()
	c := u
	return &c
}
