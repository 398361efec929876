package testenv

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func TestPostgresSharedFreshDatabases(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := Postgres(t), Postgres(t)
	if a == b {
		t.Fatalf("two calls gave the same database %s", a)
	}
	conn, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var version string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version[:3] != "15." {
		t.Errorf("server_version = %s, want 15.x", version)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresStopStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := StartPostgres(t)
	url := p.CreateDatabase(t)
	if err := runSQL(ctx, url, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := runSQL(ctx, url, "SELECT 1"); err == nil {
		t.Fatal("a stopped server accepted a query")
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("after restart on port %d: %v", p.Port(), err)
	}
	defer conn.Close(ctx)
	var x int
	if err := conn.QueryRow(ctx, "SELECT x FROM kept").Scan(&x); err != nil || x != 42 {
		t.Fatalf("data after restart = %d, %v", x, err)
	}
}

func runSQL(ctx context.Context, url, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func TestRedisStopStart(t *testing.T) {
	r := StartRedis(t)
	if err := ping(r.Addr()); err != nil {
		t.Fatal(err)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := ping(r.Addr()); err == nil {
		t.Fatal("a stopped redis answered")
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if err := ping(r.Addr()); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if Redis(t) == r.Addr() {
		t.Error("a second server got the same address")
	}
}

func TestRemoveStale(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	mk := func(pid string) string {
		dir, err := os.MkdirTemp("", "pam-postgres-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if pid != "" {
			if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "data", "postmaster.pid"), []byte(pid+"\n/data\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(dir, old, old); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dead := mk("2147483646") // no such process
	noPid := mk("")
	live := mk(strconv.Itoa(os.Getpid()))
	fresh, err := os.MkdirTemp("", "pam-postgres-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(fresh) })

	removeStale()
	for dir, wantKept := range map[string]bool{dead: false, noPid: false, live: true, fresh: true} {
		_, err := os.Stat(dir)
		if kept := err == nil; kept != wantKept {
			t.Errorf("%s kept = %v, want %v", dir, kept, wantKept)
		}
	}
}

// TestMissingProgram runs this test binary again with the programs hidden: a
// missing program skips loudly, and fails under PAM_REQUIRE_INTEGRATION=1.
func TestMissingProgram(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") != "" {
		switch os.Getenv("TESTENV_CHILD") {
		case "postgres":
			Postgres(t)
		case "redis":
			Redis(t)
		}
		t.Fatal("not skipped")
	}
	for _, prog := range []string{"postgres", "redis"} {
		for _, required := range []bool{false, true} {
			cmd := osexec.Command(os.Args[0], "-test.run", "^TestMissingProgram$", "-test.v")
			cmd.Env = append(os.Environ(), "TESTENV_CHILD="+prog, PostgresBinEnv+"=/nonexistent", RedisServerEnv+"=/nonexistent", RequireEnv+"=")
			if required {
				cmd.Env = append(cmd.Env, RequireEnv+"=1")
			}
			out, err := cmd.CombinedOutput()
			switch {
			case !required && (err != nil || !strings.Contains(string(out), "SKIPPING INTEGRATION TEST")):
				t.Errorf("%s missing: want a loud skip, got err %v:\n%s", prog, err, out)
			case required && (err == nil || !strings.Contains(string(out), "may not skip")):
				t.Errorf("%s missing with %s=1: want a failure, got err %v:\n%s", prog, RequireEnv, err, out)
			}
		}
	}
}
