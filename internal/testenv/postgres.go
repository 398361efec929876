package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresBinEnv may name the directory holding initdb and postgres.
const PostgresBinEnv = "PAM_POSTGRES_BIN"

const defaultPostgresBin = "/usr/lib/postgresql/15/bin"

// PostgresServer is a PostgreSQL server run for tests.
type PostgresServer struct {
	dir  string // removed by Close
	data string
	bin  string
	port int
	cred *syscall.Credential // set when running as root

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	dbs  atomic.Int64
}

// StartPostgres starts a dedicated PostgreSQL server for tb, stopped and
// removed in tb.Cleanup. Use it when a test stops and starts the server;
// otherwise Postgres (a fresh database on a shared server) is much cheaper.
func StartPostgres(tb testing.TB) *PostgresServer {
	tb.Helper()
	bin := postgresBin(tb)
	p, err := newPostgres(bin)
	if err != nil {
		tb.Fatalf("start postgres: %v", err)
	}
	tb.Cleanup(func() {
		if err := p.Close(); err != nil {
			tb.Errorf("stop postgres: %v", err)
		}
	})
	return p
}

var shared struct {
	once sync.Once
	srv  *PostgresServer
	err  error
}

// Postgres returns the URL of a fresh, empty database on a PostgreSQL server
// shared by the whole test binary (started on first use). Call StopShared
// from TestMain after m.Run to stop it; if not, it dies with the test binary.
func Postgres(tb testing.TB) string {
	tb.Helper()
	bin := postgresBin(tb)
	shared.once.Do(func() { shared.srv, shared.err = newPostgres(bin) })
	if shared.err != nil {
		tb.Fatalf("start shared postgres: %v", shared.err)
	}
	return shared.srv.CreateDatabase(tb)
}

// StopShared stops the shared PostgreSQL server, if one was started, and removes its files.
func StopShared() error {
	if shared.srv == nil {
		return nil
	}
	return shared.srv.Close()
}

// Main runs the tests of a package and stops the shared servers afterwards;
// call it from TestMain: func TestMain(m *testing.M) { testenv.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if err := StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, "testenv: stop shared postgres:", err)
	}
	os.Exit(code)
}

func postgresBin(tb testing.TB) string {
	tb.Helper()
	hasBoth := func(d string) bool {
		_, err1 := os.Stat(filepath.Join(d, "postgres"))
		_, err2 := os.Stat(filepath.Join(d, "initdb"))
		return err1 == nil && err2 == nil
	}
	if d := os.Getenv(PostgresBinEnv); d != "" { // an explicit choice is the only one tried
		if hasBoth(d) {
			return d
		}
		skipOrFail(tb, "PostgreSQL (initdb, postgres) not found in %s=%s", PostgresBinEnv, d)
	}
	if hasBoth(defaultPostgresBin) {
		return defaultPostgresBin
	}
	if p := findProgram("postgres"); p != "" && hasBoth(filepath.Dir(p)) {
		return filepath.Dir(p)
	}
	skipOrFail(tb, "PostgreSQL 15 (initdb, postgres) not found in %s or PATH (apt-get install postgresql-15, or set %s)", defaultPostgresBin, PostgresBinEnv)
	return ""
}

// staleAfter is how old a left-over server directory must be before it is removed.
const staleAfter = 10 * time.Minute

// removeStale deletes server directories left by test binaries that were
// killed (their server died with them, but the files stayed): old enough, and
// with no live postmaster.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "pam-postgres-*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < staleAfter {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			pidLine, _, _ := strings.Cut(string(b), "\n")
			if pid, err := strconv.Atoi(strings.TrimSpace(pidLine)); err == nil && syscall.Kill(pid, 0) == nil {
				continue // still running
			}
		}
		_ = os.RemoveAll(dir)
	}
}

func newPostgres(bin string) (*PostgresServer, error) {
	removeStale()
	dir, err := os.MkdirTemp("", "pam-postgres-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	p := &PostgresServer{dir: dir, data: filepath.Join(dir, "data"), bin: bin}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: run it as the postgres system user,
		// which must own the directory.
		cred, err := postgresUser()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		p.cred = cred
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("chown %s: %w", dir, err)
		}
	}
	if p.port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	initdb := p.command(filepath.Join(bin, "initdb"), "-D", p.data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if err := p.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and no postgres user to run PostgreSQL as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres user ids: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// command builds a command run as the server's user, killed with the test binary.
func (p *PostgresServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred, Pdeathsig: syscall.SIGINT, Setpgid: true}
	return cmd
}

// Port is the server's TCP port on 127.0.0.1; it stays the same across Stop and Start.
func (p *PostgresServer) Port() int { return p.port }

// URL is the connection URL of the postgres maintenance database.
func (p *PostgresServer) URL() string { return p.DatabaseURL("postgres") }

// DatabaseURL is the connection URL of the named database.
func (p *PostgresServer) DatabaseURL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, name)
}

// Start starts the server (again) on its port and data directory and waits until it accepts connections.
func (p *PostgresServer) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	logf, err := os.OpenFile(filepath.Join(p.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("postgres log: %w", err)
	}
	cmd := p.command(filepath.Join(p.bin, "postgres"), "-D", p.data, "-p", strconv.Itoa(p.port), "-h", "127.0.0.1", "-k", "",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, p.URL())
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-done:
			p.cmd = nil
			log, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
			return fmt.Errorf("postgres exited during start-up:\n%s", log)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop shuts the server down fast (disconnecting clients); Start brings it back.
func (p *PostgresServer) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
	return nil
}

// Close stops the server and removes its files.
func (p *PostgresServer) Close() error {
	err := p.Stop()
	return errors.Join(err, os.RemoveAll(p.dir))
}

// CreateDatabase creates a fresh, empty database and returns its URL; it is
// dropped in tb.Cleanup.
func (p *PostgresServer) CreateDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("pam_test_%d_%d", os.Getpid(), p.dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.admin(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// The server may be stopped by then (chaos tests); dropping is best effort.
		_ = p.admin(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return p.DatabaseURL(name)
}

func (p *PostgresServer) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, p.URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
