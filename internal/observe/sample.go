package observe

import (
	"math"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// histogram is a cumulative histogram summed over label sets.
type histogram struct {
	Count   float64
	Sum     float64
	Uppers  []float64 // bucket upper bounds, ascending
	Buckets []float64 // cumulative counts per upper bound
}

// sub returns h - prev (the observations between two samples).
func (h histogram) sub(prev histogram) histogram {
	out := histogram{Count: h.Count - prev.Count, Sum: h.Sum - prev.Sum, Uppers: h.Uppers, Buckets: make([]float64, len(h.Buckets))}
	for i := range h.Buckets {
		out.Buckets[i] = h.Buckets[i]
		if i < len(prev.Buckets) {
			out.Buckets[i] -= prev.Buckets[i]
		}
	}
	return out
}

// quantile estimates the q-quantile (0..1) by linear interpolation inside the
// bucket, as Prometheus' histogram_quantile does; NaN without observations.
func (h histogram) quantile(q float64) float64 {
	if h.Count <= 0 || len(h.Uppers) == 0 {
		return math.NaN()
	}
	rank := q * h.Count
	i := sort.Search(len(h.Buckets), func(i int) bool { return h.Buckets[i] >= rank })
	if i == len(h.Buckets) {
		return h.Uppers[len(h.Uppers)-1] // beyond the last bound: report the bound
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = h.Uppers[i-1], h.Buckets[i-1]
	}
	inBucket := h.Buckets[i] - below
	if inBucket <= 0 {
		return h.Uppers[i]
	}
	return lower + (h.Uppers[i]-lower)*(rank-below)/inBucket
}

// families indexes a gathered registry by metric name.
type families map[string]*dto.MetricFamily

func gather(reg prometheus.Gatherer) families {
	fams, _ := reg.Gather() // a partial gather is still useful for a view
	out := make(families, len(fams))
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// hist sums the histogram name over the metrics keep accepts (nil: all).
func (f families) hist(name string, keep func(*dto.Metric) bool) histogram {
	var h histogram
	fam := f[name]
	if fam == nil {
		return h
	}
	for _, m := range fam.GetMetric() {
		if keep != nil && !keep(m) {
			continue
		}
		ph := m.GetHistogram()
		h.Count += float64(ph.GetSampleCount())
		h.Sum += ph.GetSampleSum()
		bs := ph.GetBucket()
		if h.Uppers == nil {
			h.Uppers = make([]float64, len(bs))
			h.Buckets = make([]float64, len(bs))
			for i, b := range bs {
				h.Uppers[i] = b.GetUpperBound()
			}
		}
		for i, b := range bs {
			if i < len(h.Buckets) {
				h.Buckets[i] += float64(b.GetCumulativeCount())
			}
		}
	}
	return h
}

// sum adds the counter or gauge name over the metrics keep accepts.
func (f families) sum(name string, keep func(*dto.Metric) bool) float64 {
	fam := f[name]
	if fam == nil {
		return 0
	}
	total := 0.0
	for _, m := range fam.GetMetric() {
		if keep != nil && !keep(m) {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return total
}

// by groups the counter or histogram-count name by one label.
func (f families) by(name, label string) map[string]float64 {
	out := map[string]float64{}
	fam := f[name]
	if fam == nil {
		return out
	}
	for _, m := range fam.GetMetric() {
		k := labelOf(m, label)
		switch {
		case m.Counter != nil:
			out[k] += m.GetCounter().GetValue()
		case m.Gauge != nil:
			out[k] += m.GetGauge().GetValue()
		case m.Histogram != nil:
			out[k] += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return out
}

// sample is the state the alert rules and the scaling signal compare over time.
type sample struct {
	HTTPTotal, HTTP5xx float64
	Turns              histogram
	TurnErrors         float64
	PoolRatio          float64
}

func takeSample(reg prometheus.Gatherer) sample {
	f := gather(reg)
	is5xx := func(m *dto.Metric) bool { s := labelOf(m, "status"); return len(s) == 3 && s[0] == '5' }
	return sample{
		HTTPTotal:  f.sum("pam_http_request_duration_seconds", nil),
		HTTP5xx:    f.sum("pam_http_request_duration_seconds", is5xx),
		Turns:      f.hist("pam_turn_duration_seconds", nil),
		TurnErrors: f.sum("pam_turn_duration_seconds", func(m *dto.Metric) bool { return labelOf(m, "source") == "error" }),
		PoolRatio:  f.sum("pam_db_pool_usage_ratio", nil),
	}
}
