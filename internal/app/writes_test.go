package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/ratelimit"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/internal/testenv"
)

func countClientEvents(t *testing.T, st store.Store, name string) int {
	t.Helper()
	n := 0
	err := st.ScanUsage(context.Background(), time.Time{}, time.Time{}, func(f store.UsageFact) error {
		if f.Kind == store.UsageClient && f.Name == name {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan usage: %v", err)
	}
	return n
}

func writeDeadLetters(t *testing.T, st store.Store) int {
	t.Helper()
	list, _, err := st.ListDeadLetters(context.Background(), store.Page{Limit: 100})
	if err != nil {
		t.Fatalf("list dead letters: %v", err)
	}
	n := 0
	for _, d := range list {
		if d.Kind == writeDeadLetterKind {
			n++
		}
	}
	return n
}

// TestDeferredWriteAppliedOnceAfterPostgresRestarts stops PostgreSQL, makes
// a client-event write (accepted, kept in memory since even the dead-letter
// table is down), starts PostgreSQL again and checks that two replaying
// workers (two instances) apply it exactly once and leave no dead letter.
func TestDeferredWriteAppliedOnceAfterPostgresRestarts(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	raw, err := storage.Open(ctx, pg.CreateDatabase(t), storage.Options{Logger: log, AcquireTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	u := &store.User{Email: "dl@example.com", PasswordHash: "x", DisplayName: "DL", Role: "user"}
	if err := raw.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	wb := newWriteBehind(raw, log)
	st := wb.wrap(raw)

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	err = st.RecordClientEvents(ctx, []store.ClientEvent{{UserID: u.ID, Name: "outage_event", Props: json.RawMessage(`{"n":1}`)}})
	if err != nil {
		t.Fatalf("write with the database down = %v, want accepted for replay", err)
	}
	if s := wb.stats(); s.Deferred != 1 || s.InMemory != 1 {
		t.Fatalf("stats after the deferred write = %+v, want 1 deferred in memory", s)
	}
	if _, err := wb.replayOnce(ctx); !deferrable(err) {
		t.Fatalf("replay with the database down = %v, want MAINTENANCE", err)
	}

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	// A second instance replays the same table concurrently.
	other := newWriteBehind(raw, log)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	for _, w := range []*writeBehind{wb, other} {
		go func() { w.Run(rctx); done <- struct{}{} }()
	}
	deadline := time.Now().Add(30 * time.Second)
	for countClientEvents(t, raw, "outage_event") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("deferred write not applied 30 s after PostgreSQL restarted")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // further replays, if any, would land now
	stop()
	<-done
	<-done
	if n := countClientEvents(t, raw, "outage_event"); n != 1 {
		t.Fatalf("deferred write applied %d times, want once", n)
	}
	if n := writeDeadLetters(t, raw); n != 0 {
		t.Fatalf("%d write dead letters left, want 0", n)
	}
	if s, o := wb.stats(), other.stats(); s.Replayed+o.Replayed != 1 || s.InMemory != 0 {
		t.Fatalf("stats = %+v and %+v, want one replay in all and nothing in memory", s, o)
	}
}

// fakeWriteStore fails writes with a chosen error and records dead letters.
type fakeWriteStore struct {
	store.Store
	writeErr, deadErr error
	dead              []store.DeadLetter
}

func (f *fakeWriteStore) RecordClientEvents(context.Context, []store.ClientEvent) error {
	return f.writeErr
}
func (f *fakeWriteStore) SaveFeedback(context.Context, *store.Feedback) error { return f.writeErr }
func (f *fakeWriteStore) AddDeadLetter(_ context.Context, d *store.DeadLetter) error {
	if f.deadErr != nil {
		return f.deadErr
	}
	d.ID = "dl1"
	f.dead = append(f.dead, *d)
	return nil
}

func TestDeferringStoreKeepsOnlyUnreachableWrites(t *testing.T) {
	down := pamerr.Wrap(errors.New("dial tcp: connection refused"), pamerr.Maintenance, "the database is unavailable")
	busy := &pamerr.Error{Code: pamerr.Overloaded, Message: "the database is busy"}
	refused := pamerr.Invalid("props", "bad")
	tests := []struct {
		name              string
		writeErr, deadErr error
		full              bool
		wantErr           error
		wantTable, wantMe int
	}{
		{"written", nil, nil, false, nil, 0, 0},
		{"refused write reaches the caller", refused, nil, false, refused, 0, 0},
		{"pool exhausted: dead letter table", busy, nil, false, nil, 1, 0},
		{"database down: memory", down, down, false, nil, 0, 1},
		{"memory full: the caller sees the outage", down, down, true, down, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeWriteStore{writeErr: tc.writeErr, deadErr: tc.deadErr}
			w := newWriteBehind(f, slog.New(slog.DiscardHandler))
			if tc.full {
				w.maxPending = 0
			}
			st := w.wrap(f)
			for _, write := range []func() error{
				func() error {
					return st.RecordClientEvents(context.Background(), []store.ClientEvent{{UserID: "u", Name: "e"}})
				},
				func() error {
					return st.SaveFeedback(context.Background(), &store.Feedback{UserID: "u", MessageID: "m", Rating: store.RatingUp})
				},
			} {
				if err := write(); !errors.Is(err, tc.wantErr) {
					t.Fatalf("write = %v, want %v", err, tc.wantErr)
				}
			}
			if len(f.dead) != 2*tc.wantTable || w.pendingLen() != 2*tc.wantMe {
				t.Fatalf("kept %d in the table and %d in memory, want %d and %d", len(f.dead), w.pendingLen(), 2*tc.wantTable, 2*tc.wantMe)
			}
			for _, d := range append(f.dead, w.pending...) {
				var p deferredWrite
				if err := json.Unmarshal(d.Payload, &p); err != nil || d.Kind != "write" || d.UserID != "u" {
					t.Fatalf("dead letter %+v: %v", d, err)
				}
				if _, ok := w.kinds.lookup(p.Write); !ok {
					t.Fatalf("dead letter names unregistered kind %q", p.Write)
				}
			}
		})
	}
}

func TestWriteKindsRefuseDuplicates(t *testing.T) {
	k := &writeKinds{}
	k.register("x", func(context.Context, store.Store, json.RawMessage) error { return nil })
	defer func() {
		if recover() == nil {
			t.Fatal("registering a kind twice did not panic")
		}
	}()
	k.register("x", func(context.Context, store.Store, json.RawMessage) error { return nil })
}

type loadSwitch struct{ on atomic.Bool }

func (l *loadSwitch) Overloaded() bool { return l.on.Load() }

// countingStore counts the client-event writes that reach it.
type countingStore struct {
	store.Store
	writes atomic.Int32
}

func (c *countingStore) RecordClientEvents(context.Context, []store.ClientEvent) error {
	c.writes.Add(1)
	return nil
}

func TestClientEventsAreShedUnderLoad(t *testing.T) {
	for _, overloaded := range []bool{false, true} {
		t.Run(fmt.Sprint("overloaded=", overloaded), func(t *testing.T) {
			load := &loadSwitch{}
			load.on.Store(overloaded)
			q := ratelimit.NewWorkQueue(ratelimit.WorkQueueConfig{Workers: 1, Load: load})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go q.Run(ctx)
			cs := &countingStore{}
			w := newWriteBehind(cs, slog.New(slog.DiscardHandler))
			w.work = q
			if err := w.wrap(cs).RecordClientEvents(ctx, []store.ClientEvent{{UserID: "u", Name: "e"}}); err != nil {
				t.Fatalf("RecordClientEvents = %v, want nil (written or skipped)", err)
			}
			wantWrites, wantShed := int32(1), int64(0)
			if overloaded {
				wantWrites, wantShed = 0, 1
			}
			if got, shed := cs.writes.Load(), q.Stats().Shed["analytics"]; got != wantWrites || shed != wantShed {
				t.Fatalf("writes %d, shed %d; want %d and %d", got, shed, wantWrites, wantShed)
			}
		})
	}
}

func TestScaleViewCountsSkippedWorkAndDeferredWrites(t *testing.T) {
	load := &loadSwitch{}
	load.on.Store(true)
	q := ratelimit.NewWorkQueue(ratelimit.WorkQueueConfig{Load: load})
	f := &fakeWriteStore{writeErr: pamerr.New(pamerr.Maintenance, "the database is unavailable")}
	w := newWriteBehind(f, slog.New(slog.DiscardHandler))
	w.work = q
	st := w.wrap(f)
	_ = st.RecordClientEvents(context.Background(), []store.ClientEvent{{UserID: "u", Name: "e"}}) // shed
	_ = st.SaveFeedback(context.Background(), &store.Feedback{UserID: "u", MessageID: "m", Rating: store.RatingUp})
	_ = q.Do(context.Background(), ratelimit.Summary, func(context.Context) {})
	c := &components{scale: &scaleParts{work: q, shedder: ratelimit.NewShedder(ratelimit.ShedderConfig{}), writes: w}}
	v := c.scaleView().(map[string]any)
	shed := v["work_queue"].(ratelimit.Stats).Shed
	if shed["analytics"] != 1 || shed["summary"] != 1 {
		t.Errorf("work_queue shed = %v, want one analytics write and one summary", shed)
	}
	if d := v["deferred_writes"].(writeStats); d.Deferred != 1 {
		t.Errorf("deferred_writes = %+v, want the feedback deferred", d)
	}
}
