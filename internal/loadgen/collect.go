package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"time"
)

// outcome is what became of one chat message.
type outcome struct {
	sent     time.Time
	answers  map[string]bool // distinct seqs (WebSocket) or message ids (REST) answering it
	errored  bool
	degraded bool
}

// collector records every message of a run. Safe for concurrent use.
type collector struct {
	mu          sync.Mutex
	start       time.Time
	msgs        map[string]*outcome
	latencies   []time.Duration
	setupErrors int
	active      int
	disconnects int
	reconnects  int
	lastErr     string
	lastAnswer  time.Time
}

func newCollector() *collector {
	return &collector{start: time.Now(), msgs: map[string]*outcome{}}
}

func (c *collector) sent(id string) {
	c.mu.Lock()
	c.msgs[id] = &outcome{sent: time.Now(), answers: map[string]bool{}}
	c.mu.Unlock()
}

// answered records an answer (key: its seq or message id) and reports
// whether it is the first for id.
func (c *collector) answered(id, key string, degraded bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.msgs[id]
	if o == nil {
		return false
	}
	first := len(o.answers) == 0 && !o.errored
	o.answers[key] = true
	if first {
		o.degraded = degraded
		c.latencies = append(c.latencies, time.Since(o.sent))
		c.lastAnswer = time.Now()
	}
	return first
}

func (c *collector) failed(id, why string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.msgs[id]
	if o == nil || o.errored || len(o.answers) > 0 {
		return false
	}
	o.errored = true
	c.lastErr = why
	return true
}

func (c *collector) setupError(err error) {
	c.mu.Lock()
	c.setupErrors++
	c.lastErr = err.Error()
	c.mu.Unlock()
}

func (c *collector) userUp(delta int) {
	c.mu.Lock()
	c.active += delta
	c.mu.Unlock()
}

func (c *collector) connection(disconnect bool) {
	c.mu.Lock()
	if disconnect {
		c.disconnects++
	} else {
		c.reconnects++
	}
	c.mu.Unlock()
}

// Report is a run's result.
type Report struct {
	Transport     string        `json:"transport"`
	Users         int           `json:"users"`
	Duration      time.Duration `json:"duration_ns"`
	Sent          int           `json:"sent"`
	Answered      int           `json:"answered"`
	Degraded      int           `json:"degraded"`
	Errors        int           `json:"errors"`       // chats ended by an error answer
	Lost          int           `json:"lost"`         // chats never answered
	Duplicated    int           `json:"duplicated"`   // chats answered more than once (a turn run twice)
	SetupErrors   int           `json:"setup_errors"` // users that could not sign up or connect
	ErrorRate     float64       `json:"error_rate"`   // (errors + lost) / sent
	Throughput    float64       `json:"throughput_per_s"`
	P50           time.Duration `json:"p50_ns"`
	P95           time.Duration `json:"p95_ns"`
	P99           time.Duration `json:"p99_ns"`
	Max           time.Duration `json:"max_ns"`
	Disconnects   int           `json:"disconnects"`
	Reconnects    int           `json:"reconnects"`
	ReconnectRate float64       `json:"reconnect_success_rate"`
	LastError     string        `json:"last_error,omitempty"`
}

// snapshot summarizes the run so far.
func (c *collector) snapshot(transport string, users int, elapsed time.Duration) Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Report{Transport: transport, Users: users, Duration: elapsed, SetupErrors: c.setupErrors,
		Disconnects: c.disconnects, Reconnects: c.reconnects, LastError: c.lastErr}
	for _, o := range c.msgs {
		r.Sent++
		switch {
		case len(o.answers) > 0:
			r.Answered++
			if len(o.answers) > 1 {
				r.Duplicated++
			}
			if o.degraded {
				r.Degraded++
			}
		case o.errored:
			r.Errors++
		default:
			r.Lost++ // still outstanding in a snapshot; lost in the final report
		}
	}
	lat := append([]time.Duration(nil), c.latencies...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r.P50, r.P95, r.P99 = percentile(lat, .50), percentile(lat, .95), percentile(lat, .99)
	if len(lat) > 0 {
		r.Max = lat[len(lat)-1]
	}
	if r.Sent > 0 {
		r.ErrorRate = float64(r.Errors+r.Lost) / float64(r.Sent)
	}
	// Throughput over the time answers were flowing, not the close-down.
	if span := c.lastAnswer.Sub(c.start); span > 0 && c.lastAnswer.Before(c.start.Add(elapsed)) {
		elapsed = span
	}
	if elapsed > 0 {
		r.Throughput = float64(r.Answered) / elapsed.Seconds()
	}
	r.ReconnectRate = 1
	if r.Disconnects > 0 {
		r.ReconnectRate = math.Min(1, float64(r.Reconnects)/float64(r.Disconnects))
	}
	return r
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// WriteText writes the report for people.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "PAM load report (%s, %d users, %s)\n", r.Transport, r.Users, r.Duration.Round(time.Second))
	fmt.Fprintf(w, "  messages    sent %d  answered %d (degraded %d)  errors %d  lost %d  duplicated %d\n",
		r.Sent, r.Answered, r.Degraded, r.Errors, r.Lost, r.Duplicated)
	fmt.Fprintf(w, "  latency     p50 %s  p95 %s  p99 %s  max %s\n", ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max))
	fmt.Fprintf(w, "  throughput  %.1f answers/s   error rate %.3f%%\n", r.Throughput, 100*r.ErrorRate)
	if r.Transport == "ws" {
		fmt.Fprintf(w, "  reconnects  %d of %d disconnects (%.2f%%)\n", r.Reconnects, r.Disconnects, 100*r.ReconnectRate)
	}
	if r.SetupErrors > 0 {
		fmt.Fprintf(w, "  setup       %d users failed to sign up or connect\n", r.SetupErrors)
	}
	if r.LastError != "" {
		fmt.Fprintf(w, "  last error  %s\n", r.LastError)
	}
}

// WriteJSON writes the report as JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
