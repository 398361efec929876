// Package config owns PAM's configuration: every setting is a flag with a
// PAM_* environment twin, parsed and validated once at start. A bad setting
// stops start-up with one line naming it; unknown PAM_* variables are reported
// as warnings.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Config is the validated configuration.
type Config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	ReplicaURL  string
	RedisURL    string
	Env         string // dev, staging, prod
	Instances   int    // instances the operator declares behind one balancer
	PublicURL   string

	Model            string // chain spec: "anthropic:claude-sonnet-4-5,openai:gpt-4.1-mini,rules"
	AnthropicAPIKey  string
	AnthropicBaseURL string
	OpenAIAPIKey     string
	OpenAIBaseURL    string
	ModelUserDaily   string // decimal USD; "" or "0" = no ceiling
	ModelDaily       string

	Offline      bool
	OpenMeteoURL string
	GeocodeURL   string
	OSRMURL      string
	OverpassURL  string
	FuelPriceURL string

	JWTSecret         string
	JWTIssuer         string
	JWTAudience       string
	AccessTTL         time.Duration
	RefreshTTL        time.Duration
	IdleTimeout       time.Duration
	ExternalJWTSecret string
	ExternalJWKSURL   string
	ExternalIssuer    string
	ExternalAudience  string

	LimitUserPerMin    int
	MaxConcurrentTurns int
	MaxMessageChars    int
	QueueDepth         int
	TurnWorkers        int

	AttemptTimeout   time.Duration
	TurnDeadline     time.Duration
	MaxToolRounds    int
	MaxTools         int
	HistoryExchanges int
	KeepExchanges    int
	ToolTimeout      time.Duration

	ThinkingAfter     time.Duration
	StillWorkingAfter time.Duration
	Heartbeat         time.Duration
	IdleClose         time.Duration
	HelloTimeout      time.Duration
	EventRetention    time.Duration
	EventKeep         int

	DBPoolSize       int           // connections kept (PostgreSQL)
	DBPoolOverflow   int           // extra connections allowed under load
	DBAcquireTimeout time.Duration // waiting for a free connection before OVERLOADED
	DBConnLifetime   time.Duration // a connection is recycled after this
	SlowQuery        time.Duration // queries slower than this are logged
	ToolLimits       string        // per-tool limits per user: "plan_trip=5/1m,…"
	AdaptiveStep     time.Duration // clean history earning +10 % on the user limit per step
	AdaptiveMaxGain  int           // the most a clean history earns, in percent of the limit
	ShedCPU          int           // percent of CPU above which non-critical work is shed
	ShedLatency      time.Duration // smoothed turn latency above which non-critical work is shed (0: off)
	WarmHour         int           // UTC hour of the daily cache warming; -1 off
	WarmPlaces       string        // popular places warmed daily: "Moab UT; Quartzsite AZ"
	WarmRoutes       string        // popular routes warmed daily: "Denver CO > Moab UT"

	CompatDedupeWindow time.Duration
	CompatPongTimeout  time.Duration

	LogLevel string
	Chaos    string
	// ChaosOutage is how long one injected Redis outage lasts; each window
	// is down with the redis_down rate.
	ChaosOutage time.Duration
	Shutdown    time.Duration
	DevRecord   bool // answer external services from testdata recordings

	Voice   VoiceConfig   // speech, savings and client analytics (voice.go)
	Observe ObserveConfig // alerts, tracing and model budgets (observe.go)
}

type setting struct {
	name, env, def, usage string
	set                   func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func integer(p func(*Config) *int, min int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return fmt.Errorf("must be a whole number ≥ %d, got %q", min, v)
		}
		*p(c) = n
		return nil
	}
}

func duration(p func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("must be a positive duration like 30s or 5m, got %q", v)
		}
		*p(c) = d
		return nil
	}
}

func decimalStr(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v != "" {
			if _, err := decimal.NewFromString(v); err != nil || strings.HasPrefix(v, "-") {
				return fmt.Errorf("must be a non-negative decimal amount like 25.00, got %q", v)
			}
		}
		*p(c) = v
		return nil
	}
}

func boolean(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false, got %q", v)
		}
		*p(c) = b
		return nil
	}
}

var settings = []setting{
	{"addr", "PAM_ADDR", "127.0.0.1:8080", "listen address", str(func(c *Config) *string { return &c.Addr })},
	{"data-dir", "PAM_DATA_DIR", "./pam-data", "directory for the SQLite file, secrets and spool", str(func(c *Config) *string { return &c.DataDir })},
	{"database-url", "PAM_DATABASE_URL", "", "postgres://… for PostgreSQL; default SQLite in the data dir", str(func(c *Config) *string { return &c.DatabaseURL })},
	{"replica-url", "PAM_REPLICA_URL", "", "optional read replica for read-only queries", str(func(c *Config) *string { return &c.ReplicaURL })},
	{"redis-url", "PAM_REDIS_URL", "", "redis://… for shared state; empty = in-process", str(func(c *Config) *string { return &c.RedisURL })},
	{"env", "PAM_ENV", "dev", "dev, staging or prod", str(func(c *Config) *string { return &c.Env })},
	{"instances", "PAM_INSTANCES", "1", "how many instances share the database", integer(func(c *Config) *int { return &c.Instances }, 1)},
	{"public-url", "PAM_PUBLIC_URL", "", "URL printed at start (default from addr)", str(func(c *Config) *string { return &c.PublicURL })},
	{"model", "PAM_MODEL", "", "model chain, e.g. anthropic:claude-sonnet-4-5,openai:gpt-4.1-mini,rules", str(func(c *Config) *string { return &c.Model })},
	{"anthropic-base-url", "PAM_ANTHROPIC_BASE_URL", "", "Anthropic API host root", str(func(c *Config) *string { return &c.AnthropicBaseURL })},
	{"openai-base-url", "PAM_OPENAI_BASE_URL", "", "OpenAI-compatible base URL ending in /v1", str(func(c *Config) *string { return &c.OpenAIBaseURL })},
	{"model-ceiling-user-daily", "PAM_MODEL_CEILING_USER_DAILY", "", "model spend a user may cause a day, USD; past it only free links (rules) answer (empty: no ceiling)", decimalStr(func(c *Config) *string { return &c.ModelUserDaily })},
	{"model-ceiling-daily", "PAM_MODEL_CEILING_DAILY", "", "model spend of the whole service a day, USD; past it only free links (rules) answer (empty: no ceiling)", decimalStr(func(c *Config) *string { return &c.ModelDaily })},
	{"offline", "PAM_OFFLINE", "false", "disable every outside data service", boolean(func(c *Config) *bool { return &c.Offline })},
	{"openmeteo-url", "PAM_OPENMETEO_URL", "https://api.open-meteo.com", "Open-Meteo forecast API", str(func(c *Config) *string { return &c.OpenMeteoURL })},
	{"geocode-url", "PAM_GEOCODE_URL", "https://geocoding-api.open-meteo.com", "Open-Meteo geocoding API", str(func(c *Config) *string { return &c.GeocodeURL })},
	{"osrm-url", "PAM_OSRM_URL", "https://router.project-osrm.org", "OSRM routing service", str(func(c *Config) *string { return &c.OSRMURL })},
	{"overpass-url", "PAM_OVERPASS_URL", "https://overpass-api.de/api/interpreter", "OpenStreetMap Overpass API", str(func(c *Config) *string { return &c.OverpassURL })},
	{"fuelprice-url", "PAM_FUELPRICE_URL", "", "fuel price feed (empty: the user's own fuel-log prices)", str(func(c *Config) *string { return &c.FuelPriceURL })},
	{"jwt-secret", "PAM_JWT_SECRET", "", "HS256 secret for access tokens (dev: generated into the data dir)", str(func(c *Config) *string { return &c.JWTSecret })},
	{"jwt-issuer", "PAM_JWT_ISSUER", "pam", "access token issuer", str(func(c *Config) *string { return &c.JWTIssuer })},
	{"jwt-audience", "PAM_JWT_AUDIENCE", "pam-api", "access token audience", str(func(c *Config) *string { return &c.JWTAudience })},
	{"access-ttl", "PAM_ACCESS_TTL", "15m", "access token lifetime", duration(func(c *Config) *time.Duration { return &c.AccessTTL })},
	{"refresh-ttl", "PAM_REFRESH_TTL", "720h", "refresh token lifetime", duration(func(c *Config) *time.Duration { return &c.RefreshTTL })},
	{"idle-timeout", "PAM_IDLE_TIMEOUT", "30m", "inactivity that ends a session", duration(func(c *Config) *time.Duration { return &c.IdleTimeout })},
	{"external-jwt-secret", "PAM_EXTERNAL_JWT_SECRET", "", "HS256 secret of an outside identity provider (e.g. Supabase)", str(func(c *Config) *string { return &c.ExternalJWTSecret })},
	{"external-jwks-url", "PAM_EXTERNAL_JWKS_URL", "", "JWKS URL of an outside identity provider", str(func(c *Config) *string { return &c.ExternalJWKSURL })},
	{"external-issuer", "PAM_EXTERNAL_ISSUER", "", "issuer required of outside tokens", str(func(c *Config) *string { return &c.ExternalIssuer })},
	{"external-audience", "PAM_EXTERNAL_AUDIENCE", "authenticated", "audience required of outside tokens", str(func(c *Config) *string { return &c.ExternalAudience })},
	{"limit-user-per-min", "PAM_LIMIT_USER_PER_MIN", "100", "requests a minute per user across /api/v1", integer(func(c *Config) *int { return &c.LimitUserPerMin }, 1)},
	{"max-concurrent-turns", "PAM_MAX_CONCURRENT_TURNS", "10", "concurrent turns per user", integer(func(c *Config) *int { return &c.MaxConcurrentTurns }, 1)},
	{"max-message-chars", "PAM_MAX_MESSAGE_CHARS", "10000", "longest chat message", integer(func(c *Config) *int { return &c.MaxMessageChars }, 1)},
	{"turn-workers", "PAM_TURN_WORKERS", "256", "turns run at once per instance for WebSocket clients (turns mostly wait on the model)", integer(func(c *Config) *int { return &c.TurnWorkers }, 1)},
	{"queue-depth", "PAM_QUEUE_DEPTH", "100", "queued turns before OVERLOADED", integer(func(c *Config) *int { return &c.QueueDepth }, 1)},
	{"attempt-timeout", "PAM_ATTEMPT_TIMEOUT", "10s", "one model attempt", duration(func(c *Config) *time.Duration { return &c.AttemptTimeout })},
	{"turn-deadline", "PAM_TURN_DEADLINE", "30s", "a whole turn", duration(func(c *Config) *time.Duration { return &c.TurnDeadline })},
	{"max-tool-rounds", "PAM_MAX_TOOL_ROUNDS", "6", "tool rounds per turn", integer(func(c *Config) *int { return &c.MaxToolRounds }, 1)},
	{"max-tools", "PAM_MAX_TOOLS", "15", "tools sent per model request", integer(func(c *Config) *int { return &c.MaxTools }, 1)},
	{"history-exchanges", "PAM_HISTORY_EXCHANGES", "50", "exchanges before older history is summarized", integer(func(c *Config) *int { return &c.HistoryExchanges }, 2)},
	{"keep-exchanges", "PAM_KEEP_EXCHANGES", "10", "recent exchanges sent with the summary", integer(func(c *Config) *int { return &c.KeepExchanges }, 1)},
	{"tool-timeout", "PAM_TOOL_TIMEOUT", "8s", "default tool timeout", duration(func(c *Config) *time.Duration { return &c.ToolTimeout })},
	{"thinking-after", "PAM_THINKING_AFTER", "2s", "send thinking after this long without output", duration(func(c *Config) *time.Duration { return &c.ThinkingAfter })},
	{"still-working-after", "PAM_STILL_WORKING_AFTER", "5s", "send a still-working notice", duration(func(c *Config) *time.Duration { return &c.StillWorkingAfter })},
	{"heartbeat", "PAM_HEARTBEAT", "25s", "WebSocket heartbeat", duration(func(c *Config) *time.Duration { return &c.Heartbeat })},
	{"idle-close", "PAM_IDLE_CLOSE", "5m", "close an idle WebSocket", duration(func(c *Config) *time.Duration { return &c.IdleClose })},
	{"hello-timeout", "PAM_HELLO_TIMEOUT", "10s", "time to send hello", duration(func(c *Config) *time.Duration { return &c.HelloTimeout })},
	{"event-retention", "PAM_EVENT_RETENTION", "168h", "how long durable events are kept", duration(func(c *Config) *time.Duration { return &c.EventRetention })},
	{"event-keep", "PAM_EVENT_KEEP", "10000", "durable events kept per user", integer(func(c *Config) *int { return &c.EventKeep }, 1)},
	{"db-pool-size", "PAM_DB_POOL_SIZE", "10", "database connections kept per instance", integer(func(c *Config) *int { return &c.DBPoolSize }, 1)},
	{"db-pool-overflow", "PAM_DB_POOL_OVERFLOW", "5", "extra database connections allowed under load", integer(func(c *Config) *int { return &c.DBPoolOverflow }, 0)},
	{"db-acquire-timeout", "PAM_DB_ACQUIRE_TIMEOUT", "30s", "wait for a free database connection before OVERLOADED", duration(func(c *Config) *time.Duration { return &c.DBAcquireTimeout })},
	{"db-conn-lifetime", "PAM_DB_CONN_LIFETIME", "1h", "recycle database connections after this", duration(func(c *Config) *time.Duration { return &c.DBConnLifetime })},
	{"slow-query", "PAM_SLOW_QUERY", "1s", "log queries slower than this", duration(func(c *Config) *time.Duration { return &c.SlowQuery })},
	{"tool-limits", "PAM_TOOL_LIMITS", "plan_trip=5/1m", "per-tool limits per user, e.g. plan_trip=5/1m,find_rv_parks=20/1m", str(func(c *Config) *string { return &c.ToolLimits })},
	{"adaptive-step", "PAM_ADAPTIVE_STEP", "24h", "each step of clean history adds 10 % to a user's limit", duration(func(c *Config) *time.Duration { return &c.AdaptiveStep })},
	{"adaptive-max-gain", "PAM_ADAPTIVE_MAX_GAIN", "100", "the most a clean history adds to a user's limit, in percent (0: off)", integer(func(c *Config) *int { return &c.AdaptiveMaxGain }, 0)},
	{"shed-cpu", "PAM_SHED_CPU", "90", "CPU percent above which non-critical work is shed", integer(func(c *Config) *int { return &c.ShedCPU }, 1)},
	{"shed-latency", "PAM_SHED_LATENCY", "0s", "smoothed turn latency above which non-critical work is shed (0s: off)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("must be a duration like 5s (0s: off), got %q", v)
		}
		c.ShedLatency = d
		return nil
	}},
	{"warm-hour", "PAM_WARM_HOUR", "3", "UTC hour of the daily cache warming of popular places and routes (-1: off)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 || n > 23 {
			return fmt.Errorf("must be an hour 0-23, or -1 for off, got %q", v)
		}
		c.WarmHour = n
		return nil
	}},
	{"warm-places", "PAM_WARM_PLACES", "Moab UT; Quartzsite AZ; Jackson WY; Flagstaff AZ", "popular places whose forecast and RV parks are warmed daily (;-separated)", str(func(c *Config) *string { return &c.WarmPlaces })},
	{"warm-routes", "PAM_WARM_ROUTES", "Denver CO > Moab UT; Phoenix AZ > Quartzsite AZ", "popular routes warmed daily (From > To, ;-separated)", str(func(c *Config) *string { return &c.WarmRoutes })},
	{"compat-dedupe-window", "PAM_COMPAT_DEDUPE_WINDOW", "2m", "original-app clients: a re-sent session_id and text within this is one message", duration(func(c *Config) *time.Duration { return &c.CompatDedupeWindow })},
	{"compat-pong-timeout", "PAM_COMPAT_PONG_TIMEOUT", "70s", "original-app WebSocket: close after this without a pong", duration(func(c *Config) *time.Duration { return &c.CompatPongTimeout })},
	{"log-level", "PAM_LOG_LEVEL", "info", "debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
	{"chaos", "PAM_CHAOS", "", "fault injection, e.g. tool_timeout=0.1,model_529=0.1 (not in prod)", str(func(c *Config) *string { return &c.Chaos })},
	{"chaos-outage", "PAM_CHAOS_OUTAGE", "5s", "length of one injected Redis outage window (redis_down)", duration(func(c *Config) *time.Duration { return &c.ChaosOutage })},
	{"shutdown-timeout", "PAM_SHUTDOWN_TIMEOUT", "15s", "graceful shutdown budget", duration(func(c *Config) *time.Duration { return &c.Shutdown })},
	{"dev-record", "PAM_DEV_RECORD", "false", "answer outside services from recorded responses", boolean(func(c *Config) *bool { return &c.DevRecord })},
}

// Known reports whether env is a PAM_* variable this package reads.
func Known(env string) bool {
	for _, s := range settings {
		if s.env == env {
			return true
		}
	}
	return extraKnown[env]
}

// extraKnown are PAM_* variables read elsewhere (tests, CI).
var extraKnown = map[string]bool{"PAM_REQUIRE_INTEGRATION": true, "PAM_TEST_PG_USER": true}

// Load parses args (flags after the subcommand) with getenv as the environment.
// It returns the config, warnings (unknown PAM_* variables), and an error whose
// text is one line naming the bad setting.
func Load(args []string, getenv func(string) string, environ []string, stderr io.Writer) (*Config, []string, error) {
	c := &Config{}
	fs := flag.NewFlagSet("pam", flag.ContinueOnError)
	fs.SetOutput(stderr)
	values := map[string]*string{}
	for _, s := range settings {
		v := s.def
		if e := getenv(s.env); e != "" {
			v = e
		}
		values[s.name] = fs.String(s.name, v, s.usage+" ("+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	for _, s := range settings {
		if err := s.set(c, strings.TrimSpace(*values[s.name])); err != nil {
			return nil, nil, fmt.Errorf("config: %s (--%s): %v", s.env, s.name, err)
		}
	}
	c.AnthropicAPIKey = getenv("ANTHROPIC_API_KEY")
	c.OpenAIAPIKey = getenv("OPENAI_API_KEY")
	if c.Model == "" {
		c.Model = defaultModel(c)
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "pam.db")
	}
	if err := c.validate(); err != nil {
		return nil, nil, err
	}
	return c, unknownVars(environ), nil
}

func defaultModel(c *Config) string {
	switch {
	case c.AnthropicAPIKey != "":
		return "anthropic:claude-sonnet-4-5,rules"
	case c.OpenAIAPIKey != "":
		return "openai:gpt-4.1-mini,rules"
	default:
		return "rules"
	}
}

func unknownVars(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PAM_") && !Known(name) {
			out = append(out, "unknown setting "+name+" ignored")
		}
	}
	sort.Strings(out)
	return out
}

// MaxDBConnections is the cap on one instance's database connections (the hardening plan's 50).
const MaxDBConnections = 50

// IsPostgres reports whether the database URL selects PostgreSQL.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

func (c *Config) validate() error {
	bad := func(env, format string, args ...any) error {
		return fmt.Errorf("config: %s: %s", env, fmt.Sprintf(format, args...))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return bad("PAM_ADDR", "must be host:port, got %q", c.Addr)
	}
	switch c.Env {
	case "dev", "staging", "prod":
	default:
		return bad("PAM_ENV", "must be dev, staging or prod, got %q", c.Env)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return bad("PAM_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		return bad("PAM_REDIS_URL", "must start with redis:// or rediss://")
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		return bad("PAM_JWT_SECRET", "must be at least 32 characters")
	}
	if c.DBPoolSize+c.DBPoolOverflow > MaxDBConnections {
		return bad("PAM_DB_POOL_OVERFLOW", "pool size plus overflow must be at most %d connections, got %d", MaxDBConnections, c.DBPoolSize+c.DBPoolOverflow)
	}
	if c.ShedCPU > 100 {
		return bad("PAM_SHED_CPU", "must be a percentage, got %d", c.ShedCPU)
	}
	if c.KeepExchanges >= c.HistoryExchanges {
		return bad("PAM_KEEP_EXCHANGES", "must be less than PAM_HISTORY_EXCHANGES (%d)", c.HistoryExchanges)
	}
	if c.Env == "prod" {
		if err := c.validateProd(); err != nil {
			return err
		}
	}
	if c.Chaos != "" && c.Env == "prod" {
		return bad("PAM_CHAOS", "fault injection is refused in prod")
	}
	return nil
}

func (c *Config) validateProd() error {
	switch {
	case c.JWTSecret == "":
		return errors.New("config: PAM_JWT_SECRET: required in prod (dev generates one; prod must not)")
	case c.Instances > 1 && !c.IsPostgres():
		return errors.New("config: PAM_DATABASE_URL: SQLite cannot be shared by several instances; use postgres:// in prod")
	case c.Instances > 1 && c.RedisURL == "":
		return errors.New("config: PAM_REDIS_URL: several instances need Redis for shared limits, revocations and delivery")
	}
	return nil
}
