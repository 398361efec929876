package ratelimit

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

type switchLoad struct{ on atomic.Bool }

func (s *switchLoad) Overloaded() bool { return s.on.Load() }

func TestWorkQueueDoWaitsOrReportsShedding(t *testing.T) {
	tests := []struct {
		name string
		// loadAtSubmit and loadAtRun say whether the machine is overloaded
		// when Do submits and when the worker picks the item up.
		loadAtSubmit, loadAtRun bool
		wantErr                 error
		wantRan                 bool
	}{
		{"runs and waits", false, false, nil, true},
		{"shed at submission", true, true, ErrShed, false},
		{"shed when picked up", false, true, ErrShed, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			load := &switchLoad{}
			load.on.Store(tc.loadAtSubmit)
			q := NewWorkQueue(WorkQueueConfig{Workers: 1, Load: load})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var ran atomic.Bool
			errc := make(chan error, 1)
			go func() { errc <- q.Do(ctx, Summary, func(context.Context) { ran.Store(true) }) }()
			for !tc.loadAtSubmit && q.Depth() == 0 {
				time.Sleep(time.Millisecond) // Do has queued the item
			}
			load.on.Store(tc.loadAtRun)
			qctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { q.Run(qctx); close(done) }()
			err := <-errc
			stop()
			<-done
			if !errors.Is(err, tc.wantErr) || ran.Load() != tc.wantRan {
				t.Fatalf("Do = %v (ran %v), want %v (ran %v)", err, ran.Load(), tc.wantErr, tc.wantRan)
			}
			if shed := q.Stats().Shed["summary"]; tc.loadAtRun && shed != 1 {
				t.Fatalf("shed summaries = %d, want 1", shed)
			}
		})
	}
}

func TestWorkQueueDoGivesUpWithItsContext(t *testing.T) {
	q := NewWorkQueue(WorkQueueConfig{Workers: 1}) // never run: the item waits
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := q.Do(ctx, Summary, func(context.Context) {}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do = %v, want the context's deadline", err)
	}
}
