package ratelimit

import (
	"context"
	"testing"
	"time"
)

func TestPeekDoesNotCount(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_000_000, 0)
	m := NewMemory()
	m.now = func() time.Time { return now }
	tests := []struct {
		name      string
		allow     int
		wantUsed  int
		wantRetry bool
	}{
		{"unknown key", 0, 0, false},
		{"some used", 3, 3, false},
		{"at the limit", 2, 5, true},
	}
	for _, tc := range tests {
		for range tc.allow {
			if ok, _, _ := m.Allow(ctx, "user:u1", 5, time.Minute); !ok {
				t.Fatalf("%s: Allow refused early", tc.name)
			}
		}
		for range 3 { // peeking repeatedly changes nothing
			used, retry, err := m.Peek(ctx, "user:u1", 5, time.Minute)
			if err != nil || used != tc.wantUsed || (retry > 0) != tc.wantRetry {
				t.Fatalf("%s: Peek = %d, %v, %v; want %d, retry %v", tc.name, used, retry, err, tc.wantUsed, tc.wantRetry)
			}
		}
	}
}
