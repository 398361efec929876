package ratelimit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ShedderConfig tunes a Shedder. Zero values take the defaults.
type ShedderConfig struct {
	CPUPercent float64       // overloaded above this machine CPU use, default 90
	Latency    time.Duration // overloaded when the smoothed turn latency exceeds it; 0 = ignore latency
	Every      time.Duration // sampling period, default 1 s
	// ReadCPU returns cumulative busy and total CPU time (any unit); default
	// reads /proc/stat. Where it fails, CPU is not a signal.
	ReadCPU func() (busy, total uint64, err error)
}

// Shedder decides when the machine is too busy for non-critical work: CPU
// above the threshold, or (when configured) observed latency above its
// budget. It is a LoadSignal for WorkQueue.
type Shedder struct {
	cfg ShedderConfig

	cpu      atomic.Uint64 // percent × 100 of the last sample
	overload atomic.Bool

	mu      sync.Mutex
	latency float64 // EWMA of observed latencies, ns
	prevB   uint64
	prevT   uint64
}

var _ LoadSignal = (*Shedder)(nil)

// NewShedder returns a Shedder; call Run to sample CPU.
func NewShedder(cfg ShedderConfig) *Shedder {
	if cfg.CPUPercent <= 0 {
		cfg.CPUPercent = 90
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Second
	}
	if cfg.ReadCPU == nil {
		cfg.ReadCPU = procStatCPU
	}
	return &Shedder{cfg: cfg}
}

// Overloaded implements LoadSignal.
func (s *Shedder) Overloaded() bool { return s.overload.Load() }

// CPUPercent returns the last sampled machine CPU use.
func (s *Shedder) CPUPercent() float64 { return float64(s.cpu.Load()) / 100 }

// Observe feeds one latency (a turn's duration) into the smoothed latency.
func (s *Shedder) Observe(d time.Duration) {
	if s.cfg.Latency <= 0 {
		return
	}
	s.mu.Lock()
	if s.latency == 0 {
		s.latency = float64(d)
	} else {
		s.latency = 0.8*s.latency + 0.2*float64(d)
	}
	s.mu.Unlock()
	s.decide()
}

// Sample reads CPU once and updates Overloaded.
func (s *Shedder) Sample() {
	busy, total, err := s.cfg.ReadCPU()
	if err == nil {
		s.mu.Lock()
		db, dt := busy-s.prevB, total-s.prevT
		first := s.prevT == 0
		s.prevB, s.prevT = busy, total
		s.mu.Unlock()
		if !first && dt > 0 && busy >= db {
			s.cpu.Store(uint64(float64(db) / float64(dt) * 10000))
		}
	}
	s.decide()
}

func (s *Shedder) decide() {
	over := s.CPUPercent() > s.cfg.CPUPercent
	if s.cfg.Latency > 0 {
		s.mu.Lock()
		over = over || time.Duration(s.latency) > s.cfg.Latency
		s.mu.Unlock()
	}
	s.overload.Store(over)
}

// Run samples every Every until ctx ends.
func (s *Shedder) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Every)
	defer t.Stop()
	s.Sample()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sample()
		}
	}
}

// procStatCPU reads the machine's cumulative CPU times from /proc/stat's "cpu" line.
func procStatCPU() (busy, total uint64, err error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("cpu: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, errors.New("cpu: empty /proc/stat")
	}
	return parseCPULine(sc.Text())
}

// parseCPULine parses "cpu user nice system idle iowait irq softirq steal …".
func parseCPULine(line string) (busy, total uint64, err error) {
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("cpu: unexpected /proc/stat line %q", line)
	}
	var idle uint64
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("cpu: field %d of /proc/stat: %w", i+1, err)
		}
		if i >= 8 { // guest times are already counted in user and nice
			break
		}
		total += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return total - idle, total, nil
}
