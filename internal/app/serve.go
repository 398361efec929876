package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pamtravel/pam/internal/config"
)

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, args []string, env Env) error {
	cfg, err := loadConfig(args, env)
	if err != nil {
		return err
	}
	c, err := build(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer c.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("config: PAM_ADDR: %w", err)
	}
	srv := &http.Server{
		Handler:           c.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          nil,
	}
	url := cfg.PublicURL
	if url == "" {
		url = "http://" + ln.Addr().String() + "/"
	}
	fmt.Fprintf(env.Stdout, "PAM %s is running at %s (model %s, database %s)\n", Version, url, cfg.Model, describeDB(cfg))
	c.log.Info("listening", "addr", ln.Addr().String(), "model", cfg.Model, "env", cfg.Env)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error { return c.background(gctx) })
	g.Go(func() error { return c.runObserve(gctx) })
	g.Go(func() error { return c.runScale(gctx) })
	g.Go(func() error { return c.external.Run(gctx) })
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), cfg.Shutdown)
		defer cancel()
		c.log.Info("shutting down")
		c.shutdown(sctx)
		return srv.Shutdown(sctx)
	})
	return g.Wait()
}

// background runs the instance's housekeeping until ctx ends: resuming
// accepted-but-unanswered turns, pruning old events.
func (c *components) background(ctx context.Context) error {
	c.delivery.ResumePending(ctx)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			before := time.Now().Add(-c.cfg.EventRetention)
			if n, err := c.store.PruneEvents(ctx, before, c.cfg.EventKeep); err != nil {
				c.log.Warn("prune events", "error", err)
			} else if n > 0 {
				c.log.Info("pruned events", "count", n)
			}
		}
	}
}

// shutdown closes long-lived connections (which http.Server.Shutdown does not).
func (c *components) shutdown(ctx context.Context) {
	for _, f := range c.onShutdown {
		f(ctx)
	}
}

// describeDB names the database kind for start-up messages (never the URL, which may hold a password).
func describeDB(cfg *config.Config) string {
	if cfg.IsPostgres() {
		return "postgresql"
	}
	return "sqlite"
}
