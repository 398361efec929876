// Package chaos owns PAM's fault injection (PAM_CHAOS), for dev and staging
// only: tool timeouts, invalid outside-service payloads, model 429 / 529 /
// timeouts, WebSocket disconnects, database pool exhaustion and Redis
// outages, each with its own rate. The faults are wrappers the composition
// root installs around the real parts — an http.RoundTripper for model
// providers and outside services, a tool-handler wrapper, a store wrapper, a
// cache wrapper and an HTTP middleware — so the real degradation paths run.
package chaos

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault names a kind of injected failure.
type Fault string

// The faults PAM_CHAOS knows.
const (
	ToolTimeout     Fault = "tool_timeout"     // a tool handler hangs until its timeout
	ExternalInvalid Fault = "external_invalid" // an outside service answers 200 with a broken payload
	Model429        Fault = "model_429"        // the model provider answers 429 with retry-after
	Model529        Fault = "model_529"        // the model provider answers 529 overloaded
	ModelTimeout    Fault = "model_timeout"    // the model provider never answers
	WSDisconnect    Fault = "ws_disconnect"    // a WebSocket connection is cut mid-session
	DBPool          Fault = "db_pool"          // acquiring a database connection times out
	RedisDown       Fault = "redis_down"       // the shared cache is unreachable (in outage windows)
)

// Faults lists every fault, for "all=RATE" and documentation.
var Faults = []Fault{ToolTimeout, ExternalInvalid, Model429, Model529, ModelTimeout, WSDisconnect, DBPool, RedisDown}

// Injector decides, per fault and per opportunity, whether to fail. It is
// safe for concurrent use. A nil *Injector injects nothing.
type Injector struct {
	rates map[Fault]float64
	// OnFault, when set, is called for every injected fault (metrics).
	OnFault func(Fault)
	// OutageWindow is how long a Redis outage lasts once it starts (5 s).
	OutageWindow time.Duration
	// DBWait is how long a pool-exhaustion fault blocks before failing (50 ms).
	DBWait time.Duration

	mu         sync.Mutex
	rng        *rand.Rand
	outageEnds time.Time
	outageNext time.Time
}

// Parse reads PAM_CHAOS: comma-separated fault=rate pairs, rates in [0, 1];
// "all=0.1" sets every fault. An empty spec returns nil (no chaos).
func Parse(spec string, seed uint64) (*Injector, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "off" {
		return nil, nil
	}
	known := map[Fault]bool{}
	for _, f := range Faults {
		known[f] = true
	}
	rates := map[Fault]float64{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("chaos: %q: want fault=rate", part)
		}
		rate, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || rate < 0 || rate > 1 {
			return nil, fmt.Errorf("chaos: %q: rate must be a number from 0 to 1", part)
		}
		name = strings.TrimSpace(name)
		if name == "all" {
			for _, f := range Faults {
				rates[f] = rate
			}
			continue
		}
		if !known[Fault(name)] {
			return nil, fmt.Errorf("chaos: unknown fault %q (known: %s)", name, strings.Join(names(), ", "))
		}
		rates[Fault(name)] = rate
	}
	for f, r := range rates {
		if r == 0 {
			delete(rates, f)
		}
	}
	if len(rates) == 0 {
		return nil, nil
	}
	return &Injector{rates: rates, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}, nil
}

// Allowed refuses chaos in production.
func Allowed(env string) error {
	if env == "prod" || env == "production" {
		return fmt.Errorf("config: PAM_CHAOS: fault injection is refused when PAM_ENV=prod")
	}
	return nil
}

func names() []string {
	var out []string
	for _, f := range Faults {
		out = append(out, string(f))
	}
	sort.Strings(out)
	return out
}

// Rate returns the configured rate of f.
func (i *Injector) Rate(f Fault) float64 {
	if i == nil {
		return 0
	}
	return i.rates[f]
}

// String describes the enabled faults.
func (i *Injector) String() string {
	if i == nil {
		return "off"
	}
	var parts []string
	for _, f := range Faults {
		if r := i.rates[f]; r > 0 {
			parts = append(parts, string(f)+"="+strconv.FormatFloat(r, 'g', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}

// Hit reports whether this opportunity for f fails, and counts it.
func (i *Injector) Hit(f Fault) bool {
	r := i.Rate(f)
	if r <= 0 {
		return false
	}
	i.mu.Lock()
	hit := i.rng.Float64() < r
	i.mu.Unlock()
	if hit {
		i.fired(f)
	}
	return hit
}

func (i *Injector) fired(f Fault) {
	if i.OnFault != nil {
		i.OnFault(f)
	}
}

// float returns a random number in [0, 1).
func (i *Injector) float() float64 {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.rng.Float64()
}

// redisDown reports whether a Redis outage is in progress at now. Outages
// start at window boundaries with the fault's rate, so about rate of the
// time the cache is unreachable.
func (i *Injector) redisDown(now time.Time) bool {
	r := i.Rate(RedisDown)
	if r <= 0 {
		return false
	}
	window := i.OutageWindow
	if window <= 0 {
		window = 5 * time.Second
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if now.Before(i.outageEnds) {
		return true
	}
	if now.Before(i.outageNext) {
		return false
	}
	i.outageNext = now.Add(window)
	if i.rng.Float64() < r {
		i.outageEnds = now.Add(window)
		if i.OnFault != nil {
			i.OnFault(RedisDown)
		}
		return true
	}
	return false
}
