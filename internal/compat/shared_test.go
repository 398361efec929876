package compat

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// mapBacking is a shared store two memos see, which can fail; a Delete
// that failed is carried out when it is back up, as redisx.Cache does.
type mapBacking struct {
	mu      sync.Mutex
	m       map[string][]byte
	down    bool
	deletes []string
}

func (b *mapBacking) up() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down = false
	for _, k := range b.deletes {
		delete(b.m, k)
	}
	b.deletes = nil
}

var errDown = errors.New("backing down")

func (b *mapBacking) Get(_ context.Context, k string) ([]byte, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return nil, false, errDown
	}
	v, ok := b.m[k]
	return v, ok, nil
}

func (b *mapBacking) Set(_ context.Context, k string, v []byte, _ time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return errDown
	}
	b.m[k] = v
	return nil
}

func (b *mapBacking) Delete(_ context.Context, k string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		b.deletes = append(b.deletes, k)
		return errDown
	}
	delete(b.m, k)
	return nil
}

func TestSharedMemoSeenByEveryInstance(t *testing.T) {
	ctx := context.Background()
	back := &mapBacking{m: map[string][]byte{}}
	a := NewShared[Context](back, "c:", time.Hour, 10)
	b := NewShared[Context](back, "c:", time.Hour, 10)
	a.Put(ctx, "u1", Context{"travelStyle": []byte(`"slow"`)})
	got, ok := b.Get(ctx, "u1")
	if !ok || string(got["travelStyle"]) != `"slow"` {
		t.Fatalf("instance b sees %+v %v, want what instance a stored", got, ok)
	}
	for k := range back.m {
		if len(k) != len("c:")+32 {
			t.Fatalf("shared key %q is not a fixed-length digest", k)
		}
	}
	b.Delete(ctx, "u1")
	if _, ok := b.Get(ctx, "u1"); ok {
		t.Fatal("instance b still has the deleted entry")
	}
}

func TestSharedMemoOutageFallsBackToLocal(t *testing.T) {
	ctx := context.Background()
	back := &mapBacking{m: map[string][]byte{}}
	a := NewShared[string](back, "s:", time.Hour, 10)
	a.Put(ctx, "k", "conv-0") // shared
	back.down = true
	a.Put(ctx, "k", "conv-1") // the shared write fails; the local copy stays
	if v, ok := a.Get(ctx, "k"); !ok || v != "conv-1" {
		t.Fatalf("during an outage Get = %q %v, want the local copy", v, ok)
	}
	back.up()
	if v, ok := a.Get(ctx, "k"); !ok || v != "conv-1" {
		t.Fatalf("after the outage Get = %q %v, want the newer local copy, not the shared conv-0", v, ok)
	}
	other := NewShared[string](back, "s:", time.Hour, 10)
	other.Put(ctx, "k", "conv-2")
	if v, _ := a.Get(ctx, "k"); v != "conv-2" {
		t.Fatalf("Get = %q, want the shared value conv-2 over the stale local conv-1", v)
	}
}

func TestSharedMemoLocalOnly(t *testing.T) {
	ctx := context.Background()
	m := NewShared[string](nil, "s:", time.Hour, 10)
	m.Put(ctx, "k", "v")
	if v, ok := m.Get(ctx, "k"); !ok || v != "v" {
		t.Fatalf("Get = %q %v", v, ok)
	}
	m.Delete(ctx, "k")
	if _, ok := m.Get(ctx, "k"); ok {
		t.Fatal("Delete kept the entry")
	}
}
