package store

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestNewIDFormat holds NewID to what uuid.NewV7().String() makes: the
// canonical lower-case text of an RFC 4122 version 7 UUID whose timestamp
// is now.
func TestNewIDFormat(t *testing.T) {
	for range 1000 {
		before := time.Now().UnixMilli()
		id := NewID()
		after := time.Now().UnixMilli()
		u, err := uuid.Parse(id)
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if u.String() != id || len(id) != 36 {
			t.Fatalf("%q is not canonical (%q)", id, u.String())
		}
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%q: version %d variant %v", id, u.Version(), u.Variant())
		}
		sec, nsec := u.Time().UnixTime()
		// The sequence may run ahead of the clock by a little when ids are
		// made faster than one per 256ns, never by a millisecond here.
		if ms := sec*1000 + nsec/1e6; ms < before || ms > after+1 {
			t.Fatalf("%q: time %d ms, made between %d and %d", id, ms, before, after)
		}
	}
}

// TestNewIDRandomBits checks that the 62 bits after the timestamp are not
// fixed: two ids never share them.
func TestNewIDRandomBits(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tail := NewID()[19:]
		if seen[tail] {
			t.Fatalf("random part %s repeated", tail)
		}
		seen[tail] = true
	}
}

// TestNewIDOrdered checks that ids sort in the order they were made, also
// when made from many goroutines at once (each goroutine's own sequence is
// increasing; all are distinct).
func TestNewIDOrdered(t *testing.T) {
	const workers, each = 8, 2000
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		all = map[string]bool{}
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := make([]string, each)
			for i := range ids {
				ids[i] = NewID()
				if i > 0 && ids[i] <= ids[i-1] {
					t.Errorf("%s made after %s sorts before it", ids[i], ids[i-1])
					return
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if all[id] {
					t.Errorf("id %s made twice", id)
				}
				all[id] = true
			}
		}()
	}
	wg.Wait()
}

// TestNewIDAllocations: one allocation, the string itself.
func TestNewIDAllocations(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under the race detector and coverage")
	}
	if n := testing.AllocsPerRun(100, func() { _ = NewID() }); n != 1 {
		t.Errorf("NewID: %v allocations, want 1", n)
	}
}
