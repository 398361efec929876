package storage_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestParse(t *testing.T) {
	tests := []struct {
		url    string
		kind   storage.Kind
		target string
		bad    bool
	}{
		{url: "postgres://u:p@db:5432/pam?sslmode=disable", kind: storage.Postgres, target: "postgres://u:p@db:5432/pam?sslmode=disable"},
		{url: "postgresql://db/pam", kind: storage.Postgres, target: "postgresql://db/pam"},
		{url: "sqlite:///var/lib/pam/pam.db", kind: storage.SQLite, target: "/var/lib/pam/pam.db"},
		{url: "sqlite://pam-data/pam.db", kind: storage.SQLite, target: "pam-data/pam.db"},
		{url: "sqlite:pam.db", kind: storage.SQLite, target: "pam.db"},
		{url: "file:pam-data/pam.db?_pragma=foo", kind: storage.SQLite, target: "pam-data/pam.db"},
		{url: "./pam-data/pam.db", kind: storage.SQLite, target: "./pam-data/pam.db"},
		{url: " /abs/pam.db ", kind: storage.SQLite, target: "/abs/pam.db"},
		{url: ":memory:", kind: storage.SQLite, target: ":memory:"},
		{url: "", bad: true},
		{url: "mysql://db/pam", bad: true},
		{url: "sqlite://", bad: true},
		{url: "file:?x=1", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			kind, target, err := storage.Parse(tc.url)
			if tc.bad {
				if err == nil {
					t.Fatalf("Parse(%q) = %s %q, want an error", tc.url, kind, target)
				}
				return
			}
			if err != nil || kind != tc.kind || target != tc.target {
				t.Fatalf("Parse(%q) = %s, %q, %v; want %s, %q", tc.url, kind, target, err, tc.kind, tc.target)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"postgres://db/pam", "sqlite:///x.db", "file:x.db?a=b", "x.db", "", "a://b", "sqlite:", "postgresql://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, url string) {
		kind, target, err := storage.Parse(url)
		if err != nil {
			return
		}
		switch kind {
		case storage.Postgres:
			if !strings.HasPrefix(target, "postgres") {
				t.Fatalf("Parse(%q) = postgres %q", url, target)
			}
		case storage.SQLite:
			if target == "" || strings.Contains(target, "?") {
				t.Fatalf("Parse(%q) = sqlite %q", url, target)
			}
		default:
			t.Fatalf("Parse(%q) kind %q", url, kind)
		}
	})
}

var quiet = storage.Options{Logger: slog.New(slog.DiscardHandler)}

func roundTrip(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	u := &store.User{Email: "open@example.com"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByEmail(ctx, "OPEN@example.com"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSQLite(t *testing.T) {
	dir := t.TempDir()
	for _, url := range []string{
		"sqlite://" + filepath.Join(dir, "a", "pam.db"),
		"file:" + filepath.Join(dir, "b.db"),
		filepath.Join(dir, "nested", "dir", "c.db"),
	} {
		t.Run(url, func(t *testing.T) {
			s, err := storage.Open(context.Background(), url, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			roundTrip(t, s)
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nested", "dir", "c.db")); err != nil {
		t.Errorf("database file not created: %v", err)
	}
}

func TestMigrateSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pam.db")
	for range 2 {
		if err := storage.Migrate(context.Background(), path); err != nil {
			t.Fatal(err)
		}
	}
	s, err := storage.Open(context.Background(), path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	roundTrip(t, s)
}

func TestOpenPostgres(t *testing.T) {
	url := testenv.Postgres(t)
	if err := storage.Migrate(context.Background(), url); err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(context.Background(), url, storage.Options{MaxConns: 4, MinConns: 2, Logger: quiet.Logger})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	roundTrip(t, s)
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := storage.Open(ctx, "mysql://x", quiet); err == nil {
		t.Error("unknown scheme opened")
	}
	if _, err := storage.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", quiet); err == nil {
		t.Error("unreachable postgres opened")
	}
}
