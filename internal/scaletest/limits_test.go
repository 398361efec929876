package scaletest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pamtravel/pam/protocol"
)

func TestToolLimitCountedOnceAcrossInstances(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"PAM_TOOL_LIMITS": "create_expense=3/1m"})
	s := c.nodes[0].Register(t)
	var statuses []string
	for i := range 5 {
		out := chat(t, c.nodes[i%3], s.AccessToken, fmt.Sprintf("I spent $%d.50 on coffee", i+2), "")
		st := "none"
		for _, tc := range out.ToolCalls {
			if tc.Name == "create_expense" {
				st = tc.Status
			}
		}
		statuses = append(statuses, st)
	}
	want := []string{"ok", "ok", "ok", "rate_limited", "rate_limited"}
	if fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Fatalf("create_expense statuses over three instances = %v, want %v", statuses, want)
	}
}

func TestConcurrentTurnsCappedPerUser(t *testing.T) {
	c := startCluster(t, 2, map[string]string{"PAM_MAX_CONCURRENT_TURNS": "1", "PAM_LIMIT_USER_PER_MIN": "1000"})
	s := c.nodes[0].Register(t)
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.nodes[i%2].Do(t, "POST", "/api/v1/chat", s.AccessToken, map[string]string{"message": fmt.Sprintf("I spent $%d on snacks", i+1)})
			mu.Lock()
			defer mu.Unlock()
			switch r.Status {
			case http.StatusOK:
				codes["ok"]++
			case http.StatusTooManyRequests:
				codes[r.ErrorCode()]++
				if r.Header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
			default:
				t.Errorf("unexpected %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	if codes["ok"] == 0 || codes["RATE_LIMITED"] == 0 {
		t.Fatalf("12 simultaneous turns with a cap of 1 over two instances: %v; want some answered and some RATE_LIMITED", codes)
	}
}

// TestExhaustedPoolNeverHangs gives each instance one database connection
// and a short acquire timeout, then sends many turns at once: each gets an
// answer or OVERLOADED with Retry-After, promptly.
func TestExhaustedPoolNeverHangs(t *testing.T) {
	c := startCluster(t, 2, map[string]string{"PAM_DB_POOL_SIZE": "1", "PAM_DB_POOL_OVERFLOW": "0",
		"PAM_DB_ACQUIRE_TIMEOUT": "100ms", "PAM_LIMIT_USER_PER_MIN": "1000"})
	var users []string
	for range 8 {
		users = append(users, c.nodes[0].Register(t).AccessToken)
	}
	// Another client holds a lock on the messages table for two seconds, so
	// each instance's one connection is stuck in a query meanwhile.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE messages IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(2 * time.Second)
		_ = tx.Commit(ctx)
	}()
	defer func() { <-released }() // before conn.Close: a pgx connection is not for concurrent use
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.nodes[i%2].Do(t, "POST", "/api/v1/chat", users[i%len(users)], map[string]string{"message": fmt.Sprintf("I spent $%d on parts", i+1)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case r.Status == http.StatusOK:
				var out protocol.ChatResponse
				r.JSON(t, &out)
				codes["ok"]++
			case r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") != "":
				codes[r.ErrorCode()]++
			default:
				t.Errorf("unexpected %d %v %s", r.Status, r.Header, r.Body)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(start); took > 45*time.Second {
		t.Fatalf("40 turns on an exhausted pool took %v", took)
	}
	t.Logf("outcomes on a one-connection pool: %v in %v", codes, time.Since(start).Round(time.Millisecond))
	if codes["OVERLOADED"] == 0 {
		t.Fatalf("no OVERLOADED while the pool was exhausted: %v", codes)
	}
	// Once the lock is gone the pool serves again.
	time.Sleep(2 * time.Second)
	chat(t, c.nodes[1], users[0], "I spent $1 on a stamp", "")
}
