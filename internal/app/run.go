// Package app is PAM's composition root: it turns configuration into
// components, wires them into servers, and owns their lifecycle. It is the
// only package that knows every other.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/pamtravel/pam/internal/config"
)

// Version is set at build time (-ldflags "-X github.com/pamtravel/pam/internal/app.Version=…").
var Version = "0.1.0-dev"

// Env is the process environment as the program sees it.
type Env struct {
	Getenv  func(string) string
	Environ []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
}

// Run runs the subcommand in args; "serve" when there is none.
func Run(ctx context.Context, args []string, getenv func(string) string, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := Env{Getenv: getenv, Environ: environ, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, env)
	case "migrate":
		return migrate(ctx, args, env)
	case "user":
		return userCmd(ctx, args, env)
	case "audit":
		return auditCmd(ctx, args, env)
	case "version":
		fmt.Fprintln(stdout, "pam", Version)
		return nil
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	default:
		if h, ok := extraCommands[cmd]; ok {
			return h(ctx, args, env)
		}
		usage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// extraCommands are subcommands registered by other files (chat, load).
var extraCommands = map[string]func(ctx context.Context, args []string, env Env) error{}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: pam [command] [flags]

commands:
  serve                     run the server (default)
  migrate                   apply database migrations
  user create --email E --password P [--role admin]
  audit verify              check the audit log's hash chain
  chat                      terminal chat client
  load                      load generator
  version                   print the version

Every flag has a PAM_* environment twin; run "pam serve -h" for the list.
`)
}

// loadConfig parses the shared settings; extra flags may be defined on fs by the caller.
func loadConfig(args []string, env Env) (*config.Config, error) {
	cfg, warnings, err := config.Load(args, env.Getenv, env.Environ, env.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintln(env.Stderr, "warning:", w)
	}
	return cfg, nil
}
