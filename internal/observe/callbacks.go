package observe

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// callbacks is a collector that asks the running components for their
// current state at scrape time: queue depth, database pool, breakers.
type callbacks struct {
	mu       sync.Mutex
	queue    func() int
	pool     func() (int, int)
	breakers map[string]func() map[string]string

	queueDesc, poolUse, poolMax, poolRatio, breakerDesc *prometheus.Desc
}

func newCallbacks() *callbacks {
	return &callbacks{
		breakers:    map[string]func() map[string]string{},
		queueDesc:   prometheus.NewDesc("pam_queue_depth", "Turns reserved or running in the delivery queue.", nil, nil),
		poolUse:     prometheus.NewDesc("pam_db_pool_in_use", "Database connections in use.", nil, nil),
		poolMax:     prometheus.NewDesc("pam_db_pool_max", "Database pool size.", nil, nil),
		poolRatio:   prometheus.NewDesc("pam_db_pool_usage_ratio", "Database connections in use over the pool size.", nil, nil),
		breakerDesc: prometheus.NewDesc("pam_breaker_state", "Circuit breaker: 0 closed, 1 half-open, 2 open.", []string{"kind", "name"}, nil),
	}
}

func (c *callbacks) set(_ string, f func() int) {
	c.mu.Lock()
	c.queue = f
	c.mu.Unlock()
}

func (c *callbacks) setPool(f func() (int, int)) {
	c.mu.Lock()
	c.pool = f
	c.mu.Unlock()
}

func (c *callbacks) setBreakers(kind string, f func() map[string]string) {
	c.mu.Lock()
	c.breakers[kind] = f
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *callbacks) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queueDesc, c.poolUse, c.poolMax, c.poolRatio, c.breakerDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *callbacks) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	queue, pool := c.queue, c.pool
	breakers := make(map[string]func() map[string]string, len(c.breakers))
	for k, f := range c.breakers {
		breakers[k] = f
	}
	c.mu.Unlock()
	if queue != nil {
		ch <- prometheus.MustNewConstMetric(c.queueDesc, prometheus.GaugeValue, float64(queue()))
	}
	if pool != nil {
		use, max := pool()
		ch <- prometheus.MustNewConstMetric(c.poolUse, prometheus.GaugeValue, float64(use))
		ch <- prometheus.MustNewConstMetric(c.poolMax, prometheus.GaugeValue, float64(max))
		ratio := 0.0
		if max > 0 {
			ratio = float64(use) / float64(max)
		}
		ch <- prometheus.MustNewConstMetric(c.poolRatio, prometheus.GaugeValue, ratio)
	}
	for kind, f := range breakers {
		for name, state := range f() {
			ch <- prometheus.MustNewConstMetric(c.breakerDesc, prometheus.GaugeValue, breakerValue(state), kind, name)
		}
	}
}
