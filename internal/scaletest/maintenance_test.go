package scaletest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
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

// messagesAfter long-polls the durable message frames after seq.
func messagesAfter(t *testing.T, srv *apptest.Server, token string, seq int64) []protocol.Message {
	t.Helper()
	r := srv.Do(t, "GET", fmt.Sprintf("/api/v1/events?after=%d&wait=1ms", seq), token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("events: %d %s", r.Status, r.Body)
	}
	var page struct {
		Events []json.RawMessage `json:"events"`
	}
	r.JSON(t, &page)
	var out []protocol.Message
	for _, raw := range page.Events {
		var m protocol.Message
		if err := json.Unmarshal(raw, &m); err == nil && m.Type == protocol.TypeMessage {
			out = append(out, m)
		}
	}
	return out
}
