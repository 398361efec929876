package redisx

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// quietLogger routes go-redis's own log lines (one per failed dial while
// Redis is down) to debug level: the health monitor already reports the
// outage once, and a line per request would drown the logs.
type quietLogger struct{}

var redisLog atomic.Pointer[slog.Logger]

func (quietLogger) Printf(ctx context.Context, format string, v ...any) {
	if l := redisLog.Load(); l != nil {
		l.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
	}
}

// installLogger replaces go-redis's process-wide logger (it has only one).
func installLogger(l *slog.Logger) {
	if redisLog.Swap(l) == nil {
		redis.SetLogger(quietLogger{})
	}
}
