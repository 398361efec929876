package delivery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// downStore answers like sqlstore does when the database is unreachable:
// MAINTENANCE errors from every query the accept path makes.
type downStore struct {
	store.Store
	down atomic.Bool
}

func (d *downStore) unavailable() error {
	return pamerr.Wrap(errors.New("dial tcp: connection refused"), pamerr.Maintenance, "the database is unavailable")
}

func (d *downStore) TurnByClientID(ctx context.Context, userID, clientID string) (*store.Turn, error) {
	if d.down.Load() {
		return nil, d.unavailable()
	}
	return d.Store.TurnByClientID(ctx, userID, clientID)
}

func (d *downStore) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	if d.down.Load() {
		return d.unavailable()
	}
	return d.Store.InTx(ctx, fn)
}

func (d *downStore) Ping(ctx context.Context) error {
	if d.down.Load() {
		return d.unavailable()
	}
	return d.Store.Ping(ctx)
}

func newMaintenanceService(t *testing.T) (*Service, *gatedAgent, *downStore, string, *Maintenance, *FileSpool) {
	t.Helper()
	svc, a, st, user := newQueueService(t, 2, 10)
	close(a.release)
	ds := &downStore{Store: st}
	svc.store = ds
	sp, err := OpenFileSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	m := svc.EnableMaintenance(MaintenanceConfig{Local: sp, Ping: ds.Ping})
	return svc, a, ds, user, m, sp
}

func TestMaintenanceQueuesAndReplaysInOrderOnce(t *testing.T) {
	svc, a, ds, user, m, sp := newMaintenanceService(t)
	ctx := context.Background()
	ds.down.Store(true)
	texts := []string{"first", "second", "third"}
	for i, text := range texts {
		in := Inbound{UserID: user, Text: text}
		if i == 1 {
			in.ClientMessageID = "c-second"
		}
		_, _, err := svc.Chat(ctx, in, nil)
		if pamerr.CodeOf(err) != pamerr.Maintenance || !strings.Contains(pamerr.MessageOf(err), "queued") || pamerr.RetryAfterOf(err) <= 0 {
			t.Fatalf("chat while down = %v, want MAINTENANCE saying queued, with Retry-After", err)
		}
	}
	// The client retries the second message while still down: same id, no second turn later.
	if _, _, err := svc.Chat(ctx, Inbound{UserID: user, ClientMessageID: "c-second", Text: "second"}, nil); pamerr.CodeOf(err) != pamerr.Maintenance {
		t.Fatalf("retry while down = %v", err)
	}
	if n := m.Drain(ctx); n != 0 {
		t.Fatalf("drained %d while the database is down", n)
	}
	if n, _ := sp.Len(ctx); n != 4 {
		t.Fatalf("spool holds %d, want 4", n)
	}
	ds.down.Store(false)
	if n := m.Drain(ctx); n != 4 {
		t.Fatalf("drained %d, want 4", n)
	}
	if got := strings.Join(a.order, ","); got != "first,second,third" {
		t.Fatalf("turns ran %q, want first,second,third exactly once each", got)
	}
	if n, _ := sp.Len(ctx); n != 0 {
		t.Fatalf("spool holds %d after draining", n)
	}
	if n := m.Drain(ctx); n != 0 || len(a.order) != 3 {
		t.Fatalf("second drain replayed %d", n)
	}
	turn, err := ds.TurnByClientID(ctx, user, "c-second")
	if err != nil || turn.Status == store.TurnPending {
		t.Fatalf("second message turn = %+v %v, want answered", turn, err)
	}
}

func TestMaintenanceReplayAfterCrashRunsNoSecondTurn(t *testing.T) {
	svc, a, _, user, m, sp := newMaintenanceService(t)
	ctx := context.Background()
	in := Inbound{UserID: user, ClientMessageID: "crash-1", Text: "fuel"}
	if err := sp.Push(ctx, in); err != nil {
		t.Fatal(err)
	}
	// The previous drain accepted and answered it, then died before removing it.
	acc, err := svc.accept(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Process(ctx, acc.Turn, in, nil); err != nil {
		t.Fatal(err)
	}
	if n := m.Drain(ctx); n != 1 {
		t.Fatalf("drained %d, want 1", n)
	}
	if len(a.order) != 1 {
		t.Fatalf("turns ran %v, want one", a.order)
	}
}

func TestMaintenanceOffPassesErrorsThrough(t *testing.T) {
	svc, _, st, user := newQueueService(t, 1, 1)
	ds := &downStore{Store: st}
	ds.down.Store(true)
	svc.store = ds
	_, err := svc.Accept(context.Background(), Inbound{UserID: user, Text: "hi"})
	if pamerr.CodeOf(err) != pamerr.Maintenance || strings.Contains(pamerr.MessageOf(err), "queued") {
		t.Fatalf("without maintenance mode = %v, want the plain unavailable error", err)
	}
}

func TestFileSpoolDurableOrder(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	sp, err := OpenFileSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := sp.Push(ctx, Inbound{UserID: "u", ClientMessageID: fmt.Sprint("m", i), Text: fmt.Sprint("t", i)}); err != nil {
			t.Fatal(err)
		}
	}
	first, ok, err := sp.Peek(ctx)
	if err != nil || !ok || first.In.ClientMessageID != "m0" {
		t.Fatalf("peek = %+v %v %v", first, ok, err)
	}
	if err := sp.Remove(ctx, first.Seq); err != nil {
		t.Fatal(err)
	}
	if err := sp.Remove(ctx, first.Seq); err != nil { // stale remove: no effect
		t.Fatal(err)
	}
	sp.Close()
	// A crash mid-append leaves a torn line; reopening drops it and keeps the rest.
	f, _ := os.OpenFile(filepath.Join(dir, spoolLog), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":9,"user_id":"u","te`)
	f.Close()
	sp, err = OpenFileSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if n, _ := sp.Len(ctx); n != 2 {
		t.Fatalf("after reopen len = %d, want 2", n)
	}
	for _, want := range []string{"m1", "m2"} {
		r, ok, err := sp.Peek(ctx)
		if err != nil || !ok || r.In.ClientMessageID != want {
			t.Fatalf("peek = %+v %v %v, want %s", r, ok, err, want)
		}
		if err := sp.Remove(ctx, r.Seq); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := sp.Peek(ctx); ok {
		t.Fatal("spool not empty")
	}
	if fi, _ := os.Stat(filepath.Join(dir, spoolLog)); fi.Size() != 0 {
		t.Fatalf("drained log is %d bytes, want truncated", fi.Size())
	}
	if err := sp.Push(ctx, Inbound{UserID: "u", ClientMessageID: "m3"}); err != nil {
		t.Fatal(err)
	}
	if r, ok, _ := sp.Peek(ctx); !ok || r.In.ClientMessageID != "m3" {
		t.Fatalf("after truncation peek = %+v", r)
	}
}

func TestFileSpoolSkipsDamagedRecordWithoutLosingLaterOnes(t *testing.T) {
	dir := t.TempDir()
	log := `{"seq":1,"user_id":"u","client_message_id":"m1","text":"a"}` + "\n" + "\x00\x00garbage\n" +
		`{"seq":3,"user_id":"u","client_message_id":"m3","text":"c"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, spoolLog), []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := OpenFileSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	ctx := context.Background()
	var got []string
	for {
		r, ok, err := sp.Peek(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, r.In.ClientMessageID)
		if err := sp.Remove(ctx, r.Seq); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, ",") != "m1,m3" || sp.Skipped != 1 {
		t.Fatalf("drained %v, skipped %d; want m1,m3 and one skipped", got, sp.Skipped)
	}
}

func TestSweepAnswersOnlyStaleAcceptedTurns(t *testing.T) {
	svc, a, ds, user, m, _ := newMaintenanceService(t)
	ctx := context.Background()
	// Accepted, then the instance lost the database before answering.
	acc, err := svc.accept(ctx, Inbound{UserID: user, ClientMessageID: "orphan", Text: "orphaned"})
	if err != nil {
		t.Fatal(err)
	}
	if n := m.SweepStale(ctx); n != 0 || len(a.order) != 0 {
		t.Fatalf("a fresh pending turn was swept (%d)", n)
	}
	m.now = func() time.Time { return time.Now().Add(11 * time.Minute) }
	if n := m.SweepStale(ctx); n != 1 || strings.Join(a.order, ",") != "orphaned" {
		t.Fatalf("swept %d, ran %v; want the orphaned turn answered once", n, a.order)
	}
	if turn, _ := ds.TurnByClientID(ctx, user, "orphan"); turn.Status == store.TurnPending || turn.ID != acc.Turn.ID {
		t.Fatalf("turn after sweep = %+v", turn)
	}
	if n := m.SweepStale(ctx); n != 0 || len(a.order) != 1 {
		t.Fatalf("second sweep ran it again")
	}
}
