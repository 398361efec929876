package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/loadgen"
)

func init() { extraCommands["load"] = loadCmd }

// loadCmd is `pam load`: the load generator. Without --target it starts its
// own PAM in this process on a free loopback port (with a simulated model
// when --fake-model-latency is set), so one command measures the machine.
func loadCmd(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	target := fs.String("target", "", "PAM base URL (empty: start PAM in this process)")
	transport := fs.String("transport", "ws", "ws or rest")
	users := fs.Int("users", 100, "concurrent virtual users")
	rampUp := fs.Duration("ramp-up", 30*time.Second, "start users evenly over this")
	duration := fs.Duration("duration", time.Minute, "send for this long after ramp-up")
	think := fs.Duration("think", 5*time.Second, "mean think time between a user's messages")
	grace := fs.Duration("grace", 30*time.Second, "wait this long for outstanding answers")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file (- for stdout)")
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback target")
	fakeLatency := fs.Duration("fake-model-latency", 0, "start a simulated OpenAI-compatible model answering after this long")
	chaosSpec := fs.String("chaos", "", "PAM_CHAOS for the in-process server, e.g. all=0.1")
	quiet := fs.Bool("quiet", false, "no live progress line")
	signUpInRun := fs.Bool("signup-in-run", false, "sign users up during ramp-up (measured) instead of before the run")
	breaking := fs.Bool("break", false, "breaking-point mode: raise users until p95 or errors cross the limits")
	breakStart := fs.Int("break-start", 100, "users in the first breaking-point step")
	breakFactor := fs.Float64("break-factor", 1.5, "users multiply by this each step")
	breakMax := fs.Int("break-max", 10000, "stop the search at this many users")
	p95Limit := fs.Duration("p95-limit", 3*time.Second, "breaking point: p95 limit")
	errLimit := fs.Float64("error-limit", 0.01, "breaking point: error-rate limit")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (server and load) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *fakeLatency > 0 && *target != "" {
		return errors.New("load: --fake-model-latency starts its own PAM; drop --target (or point that server's PAM_OPENAI_BASE_URL at a simulated model)")
	}
	base := *target
	if base == "" {
		url, stop, err := startLocalPAM(ctx, env, *fakeLatency, *chaosSpec)
		if err != nil {
			return err
		}
		defer stop()
		base = url
		fmt.Fprintf(env.Stderr, "load: started PAM at %s (model latency %s, chaos %q)\n", base, *fakeLatency, *chaosSpec)
	}
	cfg := loadgen.Config{Target: base, Transport: *transport, Users: *users, RampUp: *rampUp, Duration: *duration,
		Think: *think, Grace: *grace, AllowRemote: *allowRemote, SignUpFirst: !*signUpInRun}
	if !*quiet {
		cfg.Progress = env.Stderr
	}
	var result any
	if *breaking {
		b, err := loadgen.BreakingPoint(ctx, cfg, loadgen.BreakConfig{Start: *breakStart, Factor: *breakFactor,
			Max: *breakMax, Step: *duration, P95Limit: *p95Limit, ErrorRate: *errLimit}, env.Stdout)
		if err != nil {
			return err
		}
		if b.BrokeAt > 0 {
			fmt.Fprintf(env.Stdout, "breaking point: %d users (%s); last good step %d users\n", b.BrokeAt, b.Reason, b.LastGood)
		} else {
			fmt.Fprintf(env.Stdout, "no breaking point: %s; last good step %d users\n", b.Reason, b.LastGood)
		}
		result = b
	} else {
		r, err := loadgen.Run(ctx, cfg)
		if err != nil {
			return err
		}
		r.WriteText(env.Stdout)
		result = r
	}
	return writeJSONReport(*jsonOut, env.Stdout, result)
}

func writeJSONReport(path string, stdout io.Writer, v any) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if path == "-" {
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// startLocalPAM runs PAM in this process on a free loopback port with its own
// data directory; PAM_* variables of the environment still apply.
func startLocalPAM(ctx context.Context, env Env, latency time.Duration, chaosSpec string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "pam-load-")
	if err != nil {
		return "", nil, fmt.Errorf("load: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("load: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	vars := map[string]string{"PAM_ADDR": addr, "PAM_DATA_DIR": dir, "PAM_OFFLINE": "true", "PAM_LOG_LEVEL": "warn"}
	for _, kv := range env.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "PAM_") && k != "PAM_ADDR" && k != "PAM_DATA_DIR" {
			vars[k] = v
		}
	}
	var fake *loadgen.FakeModel
	if latency > 0 {
		if fake, err = loadgen.StartFakeModel(latency); err != nil {
			return "", nil, err
		}
		vars["PAM_MODEL"], vars["PAM_OPENAI_BASE_URL"] = "openai-compatible:pam-sim", fake.URL()
	}
	if chaosSpec != "" {
		vars["PAM_CHAOS"] = chaosSpec
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	senv := Env{Getenv: func(k string) string { return vars[k] }, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: env.Stderr}
	go func() { done <- serve(sctx, nil, senv) }()
	stop := func() {
		cancel()
		<-done
		if fake != nil {
			fake.Close()
		}
		os.RemoveAll(dir)
	}
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			cancel()
			return "", nil, fmt.Errorf("load: PAM did not start: %w", err)
		default:
		}
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, stop, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("load: PAM did not answer /healthz within 30 s")
}
