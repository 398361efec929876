package scaletest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/testenv"
	"github.com/pamtravel/pam/protocol"
)

// TestDatabaseOutageQueuesMessagesAndAnswersEachOnce stops PostgreSQL under
// two instances: messages sent meanwhile are answered MAINTENANCE ("queued"),
// and once PostgreSQL is back every one is answered exactly once, in order.
func TestDatabaseOutageQueuesMessagesAndAnswersEachOnce(t *testing.T) {
	pg := testenv.StartPostgres(t)
	rs := testenv.StartRedis(t)
	env := map[string]string{"PAM_DATABASE_URL": pg.CreateDatabase(t), "PAM_REDIS_URL": rs.URL(), "PAM_INSTANCES": "2",
		"PAM_JWT_SECRET": "maintenance-test-secret-0123456789abcdef", "PAM_LOG_LEVEL": "warn"}
	nodes := []*apptest.Server{apptest.Start(t, env), apptest.Start(t, env)}
	s := nodes[0].Register(t)
	before := chat(t, nodes[1], s.AccessToken, "I spent $3 on coffee", "")

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 6 {
		id := fmt.Sprintf("outage-%d", i)
		ids = append(ids, id)
		r := nodes[i%2].Do(t, "POST", "/api/v1/chat", s.AccessToken, map[string]string{
			"message": fmt.Sprintf("I spent $%d on fuel", 20+i), "client_message_id": id})
		if r.Status != http.StatusServiceUnavailable || r.ErrorCode() != "MAINTENANCE" || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), "queued") {
			t.Fatalf("chat %d with the database down: %d %v %s; want 503 MAINTENANCE, queued, Retry-After", i, r.Status, r.Header, r.Body)
		}
	}
	// A client retrying with the same id while down must not get a second answer later.
	nodes[1].Do(t, "POST", "/api/v1/chat", s.AccessToken, map[string]string{"message": "I spent $20 on fuel", "client_message_id": ids[0]})
	if st, checks := readyz(t, nodes[0]); st != "unavailable" || !strings.Contains(checks["maintenance"], "queued") {
		t.Fatalf("readyz while the database is down: %s %v", st, checks)
	}

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	var answered []protocol.Message
	waitUntil(t, 30*time.Second, func() bool {
		answered = messagesAfter(t, nodes[0], s.AccessToken, before.Seq)
		return len(answered) >= len(ids)
	}, "all %d queued messages answered after PostgreSQL restarted", len(ids))
	time.Sleep(2 * time.Second) // nothing more may arrive
	answered = messagesAfter(t, nodes[1], s.AccessToken, before.Seq)
	var got []string
	for _, m := range answered {
		got = append(got, m.ID)
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("answers for %v, want each of %v once, in order", got, ids)
	}
	if st, _ := readyz(t, nodes[0]); st != "ready" {
		t.Fatalf("readyz after recovery: %s", st)
	}
}

// messagesAfter reads every durable message frame after seq, page by page.
func messagesAfter(t *testing.T, srv *apptest.Server, token string, seq int64) []protocol.Message {
	t.Helper()
	var out []protocol.Message
	for {
		r := srv.Do(t, "GET", fmt.Sprintf("/api/v1/events?after=%d&wait=1ms", seq), token, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("events: %d %s", r.Status, r.Body)
		}
		var page struct {
			Events []json.RawMessage `json:"events"`
		}
		r.JSON(t, &page)
		if len(page.Events) == 0 {
			return out
		}
		for _, raw := range page.Events {
			var m protocol.Message
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("event %s: %v", raw, err)
			}
			seq = max(seq, m.Seq)
			if m.Type == protocol.TypeMessage {
				out = append(out, m)
			}
		}
	}
}

// TestDatabaseStopMidLoadLosesNothing keeps two instances busy while
// PostgreSQL stops and starts: every message that was answered or queued
// ends up answered exactly once, and the client's retries of failed sends
// (same client_message_id) never produce a second answer.
func TestDatabaseStopMidLoadLosesNothing(t *testing.T) {
	pg := testenv.StartPostgres(t)
	rs := testenv.StartRedis(t)
	env := map[string]string{"PAM_DATABASE_URL": pg.CreateDatabase(t), "PAM_REDIS_URL": rs.URL(), "PAM_INSTANCES": "2",
		"PAM_JWT_SECRET": "maintenance-test-secret-0123456789abcdef", "PAM_LOG_LEVEL": "warn", "PAM_LIMIT_USER_PER_MIN": "10000"}
	nodes := []*apptest.Server{apptest.Start(t, env), apptest.Start(t, env)}
	s := nodes[0].Register(t)

	stop := make(chan struct{})
	var mu sync.Mutex
	outcome := map[string]string{} // client message id → last outcome
	var order []string
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("load-%d-%d", w, i)
				body := map[string]string{"message": fmt.Sprintf("I spent $%d on fuel", 10+i%50), "client_message_id": id}
				// A client retries a send that failed outright; MAINTENANCE means queued: no retry needed.
				for attempt := 0; attempt < 20; attempt++ {
					r := nodes[(w+attempt)%2].Do(t, "POST", "/api/v1/chat", s.AccessToken, body)
					code := r.ErrorCode()
					if r.Status == http.StatusOK {
						code = "OK"
					}
					mu.Lock()
					if _, seen := outcome[id]; !seen {
						order = append(order, id)
					}
					outcome[id] = code
					mu.Unlock()
					if code == "OK" || code == "MAINTENANCE" {
						break
					}
					time.Sleep(200 * time.Millisecond)
				}
				time.Sleep(30 * time.Millisecond)
			}
		}()
	}
	time.Sleep(time.Second)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	// One message surely sent while the database is down (the load's own
	// may all be mid-turn then, and just wait for it): it must be queued.
	time.Sleep(300 * time.Millisecond)
	down := nodes[0].Do(t, "POST", "/api/v1/chat", s.AccessToken, map[string]string{"message": "I spent $99 on fuel", "client_message_id": "outage-1"})
	mu.Lock()
	order = append(order, "outage-1")
	outcome["outage-1"] = down.ErrorCode()
	mu.Unlock()
	time.Sleep(1700 * time.Millisecond)
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	counts := map[string]int{}
	var want []string
	for _, id := range order {
		counts[outcome[id]]++
		if outcome[id] == "OK" || outcome[id] == "MAINTENANCE" {
			want = append(want, id)
		}
	}
	t.Logf("final outcome per message: %v", counts)
	if counts["MAINTENANCE"] == 0 {
		t.Fatalf("no message was queued during the outage: %v", counts)
	}
	var answered map[string]int
	waitUntil(t, 60*time.Second, func() bool {
		answered = map[string]int{}
		for _, m := range messagesAfter(t, nodes[1], s.AccessToken, 0) {
			answered[m.ID]++
		}
		for _, id := range want {
			if answered[id] == 0 {
				return false
			}
		}
		return true
	}, "every answered or queued message answered after PostgreSQL restarted")
	time.Sleep(2 * time.Second)
	answered = map[string]int{}
	for _, m := range messagesAfter(t, nodes[0], s.AccessToken, 0) {
		answered[m.ID]++
	}
	for id, n := range answered {
		if n != 1 {
			t.Errorf("message %s answered %d times", id, n)
		}
	}
}
