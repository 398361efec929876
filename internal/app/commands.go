package app

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/audit"
	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/store"
)

// withStore loads the configuration from args and runs fn with the opened
// store (migrated on open), closing it afterwards.
func withStore(ctx context.Context, args []string, env Env, fn func(cfg *config.Config, st store.Store) error) error {
	cfg, err := loadConfig(args, env)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(cfg, st)
}

// migrate applies the embedded migrations (opening the store applies them).
func migrate(ctx context.Context, args []string, env Env) error {
	return withStore(ctx, args, env, func(cfg *config.Config, _ store.Store) error {
		fmt.Fprintln(env.Stdout, "migrations applied to", describeDB(cfg))
		return nil
	})
}

// userCmd: pam user create --email E --password P [--role admin] [--name N]
func userCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: pam user create --email E --password P [--role admin]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	email := fs.String("email", "", "email address")
	password := fs.String("password", "", "password (at least 8 characters)")
	role := fs.String("role", store.RoleUser, "user or admin")
	name := fs.String("name", "", "display name")
	rest, err := splitFlags(fs, args[1:])
	if err != nil {
		return err
	}
	return withStore(ctx, rest, env, func(cfg *config.Config, st store.Store) error {
		secret, err := jwtSecret(cfg)
		if err != nil {
			return err
		}
		svc, err := auth.NewService(auth.Config{Secret: secret}, st, auth.NewMemoryRevocations(), time.Now)
		if err != nil {
			return err
		}
		u, err := svc.CreateUser(ctx, *email, *password, *name, *role)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created %s user %s (%s)\n", u.Role, u.Email, u.ID)
		return nil
	})
}

// splitFlags parses the subcommand's own flags and returns the rest for config.
func splitFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var own, rest []string
	for i := 0; i < len(args); i++ {
		name := args[i]
		for len(name) > 0 && name[0] == '-' {
			name = name[1:]
		}
		base, _, hasValue := strings.Cut(name, "=")
		if fs.Lookup(base) != nil {
			own = append(own, args[i])
			if !hasValue && i+1 < len(args) {
				own = append(own, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, args[i])
	}
	return rest, fs.Parse(own)
}

func auditCmd(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: pam audit verify")
	}
	return withStore(ctx, args[1:], env, func(_ *config.Config, st store.Store) error {
		n, err := audit.Verify(ctx, st)
		if err != nil {
			return fmt.Errorf("audit log is NOT intact after %d rows: %w", n, err)
		}
		fmt.Fprintf(env.Stdout, "audit log intact: %d rows verified\n", n)
		return nil
	})
}
