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
	submits  sync.WaitGroup   // Submit calls between reserve and hand-over
	busy     map[string][]job // users with a running turn → their turns waiting, in order
	ctx      context.Context  // cancelled when a drain runs out of time
	cancel   context.CancelFunc
}

type job struct {
	turn *store.Turn
	in   Inbound
}

func newQueue(workers, depth int) *queue {
	ctx, cancel := context.WithCancel(context.Background())
	return &queue{busy: map[string][]job{}, capacity: workers + depth, nworkers: workers, jobs: make(chan job, workers+depth), ctx: ctx, cancel: cancel}
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
	if in.ClientMessageID != "" { // a retry takes no place in the queue
		if t, err := s.store.TurnByClientID(ctx, in.UserID, in.ClientMessageID); err == nil {
			acc := &Accepted{Turn: t, Duplicate: true}
			if accepted != nil {
				accepted(acc)
			}
			return acc, nil
		}
	}
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
	q.enqueue(job{turn: acc.Turn, in: in})
	return acc, nil
}

// enqueue hands j to a worker, or behind the user's running turn: one
// user's turns run one at a time, in the order they were accepted, so a
// conversation's answers keep its order.
func (q *queue) enqueue(j job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if waiting, running := q.busy[j.turn.UserID]; running {
		q.busy[j.turn.UserID] = append(waiting, j)
		return
	}
	q.busy[j.turn.UserID] = nil
	q.jobs <- j // never blocks: every job holds a reserved place
}

func (s *Service) work() {
	q := s.queue
	defer q.workers.Done()
	for j := range q.jobs {
		for ok := true; ok; j, ok = q.next(j.turn.UserID) {
			if _, err := s.Process(q.ctx, j.turn, j.in, nil); err != nil {
				s.log.Warn("background turn failed", "turn_id", j.turn.ID, "error", err)
			}
			q.release()
		}
	}
}

// next pops the user's next waiting turn, or marks the user idle.
func (q *queue) next(userID string) (job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting := q.busy[userID]
	if len(waiting) == 0 {
		delete(q.busy, userID)
		return job{}, false
	}
	q.busy[userID] = waiting[1:]
	return waiting[0], true
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

// QueueDepth is how many turns are held (queued or running) for WebSocket clients.
func (s *Service) QueueDepth() int {
	q := s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.held
}
