package ratelimit

import (
	"container/heap"
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
)

// Priority orders work: lower runs first. User turns come before
// summaries, analytics, audit shipping and cache warming.
type Priority int

// The priorities of PAM's work, most urgent first.
const (
	UserTurn Priority = iota
	Summary
	Analytics
	AuditShipping
	CacheWarming
)

var priorityNames = [...]string{"user_turn", "summary", "analytics", "audit_shipping", "cache_warming"}

func (p Priority) String() string {
	if p >= 0 && int(p) < len(priorityNames) {
		return priorityNames[p]
	}
	return "priority_" + strconv.Itoa(int(p))
}

// Critical reports whether work of this priority may never be shed.
func (p Priority) Critical() bool { return p == UserTurn }

// LoadSignal says whether the machine is too busy for non-critical work.
type LoadSignal interface {
	Overloaded() bool
}

// WorkQueueConfig tunes a WorkQueue. Zero values take the defaults.
type WorkQueueConfig struct {
	Workers    int           // default 8
	MaxDepth   int           // queued items before OVERLOADED, default 100
	RetryAfter time.Duration // the hint sent with OVERLOADED, default 1 s
	Load       LoadSignal    // nil: never shed
}

// WorkQueue is a bounded priority queue run by a fixed set of workers. When
// more than MaxDepth items wait, Submit refuses with OVERLOADED and a
// Retry-After; while Load says the machine is overloaded, non-critical work
// is skipped (shed) and counted instead of queued.
type WorkQueue struct {
	cfg WorkQueueConfig

	mu     sync.Mutex
	cond   *sync.Cond
	items  workHeap
	seq    uint64
	closed bool

	shed     [CacheWarming + 1]atomic.Int64
	rejected atomic.Int64
	done     atomic.Int64
}

type workItem struct {
	prio Priority
	seq  uint64 // FIFO within a priority
	run  func(ctx context.Context)
	skip func() // called instead of run when the item is shed or dropped; may be nil
}

type workHeap []workItem

func (h workHeap) Len() int { return len(h) }
func (h workHeap) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio < h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h workHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *workHeap) Push(x any)   { *h = append(*h, x.(workItem)) }
func (h *workHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// NewWorkQueue returns a queue; call Run to start its workers.
func NewWorkQueue(cfg WorkQueueConfig) *WorkQueue {
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = 100
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Second
	}
	q := &WorkQueue{cfg: cfg}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// ErrShed is returned by Submit for non-critical work skipped under load.
var ErrShed = pamerr.New(pamerr.Overloaded, "skipped: the server is shedding non-critical work")

// Submit queues run at priority p. It refuses with an OVERLOADED *pamerr.Error
// when the queue is full, and returns ErrShed for non-critical work while the
// machine is overloaded.
func (q *WorkQueue) Submit(p Priority, run func(ctx context.Context)) error {
	return q.submit(p, run, nil)
}

// Do runs fn at priority p on the queue's workers and waits for it. It
// returns ErrShed when the work is shed under load (at submission or when a
// worker picks it up), an OVERLOADED error when the queue is full or
// closing, and ctx's error when ctx ends first; fn is then left to finish on
// its own, with ctx ended. Only a nil return means fn ran to completion.
func (q *WorkQueue) Do(ctx context.Context, p Priority, fn func(ctx context.Context)) error {
	done := make(chan error, 1)
	err := q.submit(p, func(context.Context) {
		fn(ctx)
		done <- nil
	}, func() { done <- ErrShed })
	if err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (q *WorkQueue) submit(p Priority, run func(ctx context.Context), skip func()) error {
	if !p.Critical() && q.cfg.Load != nil && q.cfg.Load.Overloaded() {
		q.shed[clampPrio(p)].Add(1)
		return ErrShed
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return &pamerr.Error{Code: pamerr.Overloaded, Message: "PAM is restarting; please try again in a moment.", RetryAfter: 2 * time.Second}
	}
	if len(q.items) >= q.cfg.MaxDepth {
		q.rejected.Add(1)
		return &pamerr.Error{Code: pamerr.Overloaded, Message: "PAM is very busy right now; please try again in a moment.", RetryAfter: q.cfg.RetryAfter}
	}
	q.seq++
	heap.Push(&q.items, workItem{prio: p, seq: q.seq, run: run, skip: skip})
	q.cond.Signal()
	return nil
}

func clampPrio(p Priority) Priority {
	if p < 0 {
		return 0
	}
	if p > CacheWarming {
		return CacheWarming
	}
	return p
}

// Depth returns how many items wait.
func (q *WorkQueue) Depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// Stats are the queue's counters.
type Stats struct {
	Depth    int
	Done     int64
	Rejected int64            // refused with OVERLOADED
	Shed     map[string]int64 // skipped under load, by priority
}

// Stats returns the counters.
func (q *WorkQueue) Stats() Stats {
	s := Stats{Depth: q.Depth(), Done: q.done.Load(), Rejected: q.rejected.Load(), Shed: map[string]int64{}}
	for p := range q.shed {
		if n := q.shed[p].Load(); n > 0 {
			s.Shed[Priority(p).String()] = n
		}
	}
	return s
}

// Run starts the workers and blocks until ctx ends; work still queued then is
// dropped (user turns are durable in the store and resumed after a restart).
func (q *WorkQueue) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range q.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.work(ctx)
		}()
	}
	<-ctx.Done()
	q.mu.Lock()
	q.closed = true
	dropped := q.items
	q.items = nil
	q.cond.Broadcast()
	q.mu.Unlock()
	for _, it := range dropped {
		if it.skip != nil {
			it.skip()
		}
	}
	wg.Wait()
}

func (q *WorkQueue) work(ctx context.Context) {
	for {
		q.mu.Lock()
		for len(q.items) == 0 && !q.closed {
			q.cond.Wait()
		}
		if q.closed {
			q.mu.Unlock()
			return
		}
		it := heap.Pop(&q.items).(workItem)
		q.mu.Unlock()
		if !it.prio.Critical() && q.cfg.Load != nil && q.cfg.Load.Overloaded() {
			q.shed[clampPrio(it.prio)].Add(1)
			if it.skip != nil {
				it.skip()
			}
			continue
		}
		it.run(ctx)
		q.done.Add(1)
	}
}
