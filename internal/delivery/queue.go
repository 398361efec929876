package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// queue is the bounded pool that runs accepted turns in the background for
// the asynchronous transports (WebSocket). A place is reserved before the
// message is accepted, so a full queue refuses with OVERLOADED instead of
// accepting a message it cannot run.
type queue struct {
	mu       sync.Mutex
	held     int // reserved or running places
	capacity int
	closed   bool
	running  bool
	jobs     chan job
	nworkers int
	workers  sync.WaitGroup
	submits  sync.WaitGroup  // Submit calls between reserve and hand-over
	ctx      context.Context // cancelled when a drain runs out of time
	cancel   context.CancelFunc
}

type job struct {
	turn *store.Turn
	in   Inbound
}

func newQueue(workers, depth int) *queue {
	ctx, cancel := context.WithCancel(context.Background())
	return &queue{capacity: workers + depth, nworkers: workers, jobs: make(chan job, workers+depth), ctx: ctx, cancel: cancel}
}

// reserve takes a place; the caller must call handedOver (after release or
// sending the job) to let a drain proceed.
func (q *queue) reserve(s *Service) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return &pamerr.Error{Code: pamerr.Overloaded, Message: "PAM is restarting; please send that again in a moment.", RetryAfter: 2 * time.Second}
	}
	if q.held >= q.capacity {
		return &pamerr.Error{Code: pamerr.Overloaded, Message: "PAM is very busy right now; please try again in a moment.", RetryAfter: time.Second}
	}
	if !q.running {
		q.running = true
		q.workers.Add(q.nworkers)
		for range q.nworkers {
			go s.work()
		}
	}
	q.held++
	q.submits.Add(1)
	return nil
}

func (q *queue) release() {
	q.mu.Lock()
	q.held--
	q.mu.Unlock()
}

// Submit reserves a place in the turn queue, accepts the message durably,
// calls accepted (the transport confirms to its client there, before the turn
// can produce any frame), and hands a new turn to a background worker. Its
// answer reaches the user through the Hub. A duplicate runs nothing. A full
// queue refuses with OVERLOADED (with a retry delay) before anything is stored.
func (s *Service) Submit(ctx context.Context, in Inbound, accepted func(*Accepted)) (*Accepted, error) {
	q := s.queue
	if err := q.reserve(s); err != nil {
		return nil, err
	}
	defer q.submits.Done()
	acc, err := s.Accept(ctx, in)
	if err != nil {
		q.release()
		return nil, err
	}
	if accepted != nil {
		accepted(acc)
	}
	if acc.Duplicate {
		q.release()
		return acc, nil
	}
	q.jobs <- job{turn: acc.Turn, in: in} // never blocks: a place is reserved
	return acc, nil
}

func (s *Service) work() {
	q := s.queue
	defer q.workers.Done()
	for j := range q.jobs {
		if _, err := s.Process(q.ctx, j.turn, j.in, nil); err != nil {
			s.log.Warn("background turn failed", "turn_id", j.turn.ID, "error", err)
		}
		q.release()
	}
}

// Drain stops taking new turns and waits for the queued and running ones
// until ctx ends; turns still unfinished then are cancelled and stay pending
// in the store, to be answered by ResumePending after the restart.
func (s *Service) Drain(ctx context.Context) {
	q := s.queue
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	running := q.running
	q.mu.Unlock()
	done := make(chan struct{})
	go func() {
		q.submits.Wait()
		close(q.jobs)
		if running {
			q.workers.Wait()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		q.cancel()
		<-done
	}
	q.cancel()
}
