package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

func frame(seq int64) (json.RawMessage, error) {
	return json.RawMessage(fmt.Sprintf(`{"type":"message","seq":%d}`, seq)), nil
}

func testEventsGapless(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	const appenders, each = 20, 5
	var mu sync.Mutex
	var seqs []int64
	var wg sync.WaitGroup
	errc := make(chan error, appenders)
	for range appenders {
		wg.Go(func() {
			for range each {
				ev, err := s.AppendEvent(ctx, u.ID, "message", frame)
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				seqs = append(seqs, ev.Seq)
				mu.Unlock()
			}
		})
	}
	// Another user's stream is independent.
	for range 3 {
		_, err := s.AppendEvent(ctx, other.ID, "message", frame)
		must(t, err)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("concurrent AppendEvent: %v", err)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("seqs not gapless 1..%d: %v", appenders*each, seqs)
		}
	}
	evs, err := s.EventsAfter(ctx, u.ID, 0, 1000)
	must(t, err)
	if len(evs) != 100 {
		t.Fatalf("EventsAfter(0) = %d events, want 100", len(evs))
	}
	if page, _ := s.EventsAfter(ctx, u.ID, 0, 30); len(page) != 30 || page[29].Seq != 30 {
		t.Fatalf("EventsAfter(0, limit 30) = %d events", len(page))
	}
	for i, ev := range evs {
		want := fmt.Sprintf(`{"type":"message","seq":%d}`, i+1)
		if ev.Seq != int64(i+1) || string(ev.Payload) != want {
			t.Fatalf("event %d = seq %d payload %s, want %s", i, ev.Seq, ev.Payload, want)
		}
	}
	if n, _ := s.LastSeq(ctx, other.ID); n != 3 {
		t.Errorf("other user's LastSeq = %d, want 3", n)
	}
}

func testEventsReplay(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	if n, err := s.LastSeq(ctx, u.ID); err != nil || n != 0 {
		t.Fatalf("LastSeq of a new user = %d, %v", n, err)
	}
	if n, err := s.OldestSeq(ctx, u.ID); err != nil || n != 0 {
		t.Fatalf("OldestSeq of a new user = %d, %v", n, err)
	}
	for range 3 {
		_, err := s.AppendEvent(ctx, u.ID, "message", frame)
		must(t, err)
	}
	// A failing build stores nothing and leaves no gap.
	boom := errors.New("boom")
	if _, err := s.AppendEvent(ctx, u.ID, "message", func(int64) (json.RawMessage, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("AppendEvent with failing build: err = %v", err)
	}
	ev, err := s.AppendEvent(ctx, u.ID, "error", frame)
	must(t, err)
	if ev.Seq != 4 || ev.Type != "error" {
		t.Fatalf("after a failed build seq = %d, want 4", ev.Seq)
	}
	evs, err := s.EventsAfter(ctx, u.ID, 2, 10)
	must(t, err)
	if len(evs) != 2 || evs[0].Seq != 3 || evs[1].Seq != 4 || evs[1].Type != "error" {
		t.Fatalf("EventsAfter(2) = %+v", evs)
	}
	if n, _ := s.LastSeq(ctx, u.ID); n != 4 {
		t.Errorf("LastSeq = %d, want 4", n)
	}
	must(t, s.RecordAck(ctx, u.ID, "phone", 3))
	must(t, s.RecordAck(ctx, u.ID, "phone", 2)) // acks are cumulative; an older one is ignored
	wantNotFound(t, "RecordAck for an unknown user", s.RecordAck(ctx, "no-such-user", "d", 1))

	// Prune: nothing is older than an hour ago; everything but the newest 1 is older than the future.
	if n, err := s.PruneEvents(ctx, time.Now().Add(-time.Hour), 0); err != nil || n != 0 {
		t.Errorf("PruneEvents(hour ago) = %d, %v; want 0", n, err)
	}
	if _, err := s.PruneEvents(ctx, time.Now().Add(time.Hour), 1); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.OldestSeq(ctx, u.ID); n != 4 {
		t.Errorf("OldestSeq after pruning to 1 = %d, want 4", n)
	}
	if n, _ := s.LastSeq(ctx, u.ID); n != 4 {
		t.Errorf("LastSeq after pruning = %d, want 4 (pruning never reuses seqs)", n)
	}
	ev, err = s.AppendEvent(ctx, u.ID, "message", frame)
	must(t, err)
	if ev.Seq != 5 {
		t.Errorf("seq after pruning = %d, want 5", ev.Seq)
	}
}
