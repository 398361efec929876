package scaletest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/internal/testenv"
)

func openStore(t *testing.T, url string) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := storage.Open(ctx, url, storage.Options{AcquireTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestClientEventsSentDuringOutageRecordedOnce posts analytics events to
// both instances while PostgreSQL is stopped: they are accepted, and once
// PostgreSQL is back each is recorded exactly once, with no write dead
// letter left behind.
func TestClientEventsSentDuringOutageRecordedOnce(t *testing.T) {
	pg := testenv.StartPostgres(t)
	rs := testenv.StartRedis(t)
	db := pg.CreateDatabase(t)
	env := map[string]string{"PAM_DATABASE_URL": db, "PAM_REDIS_URL": rs.URL(), "PAM_INSTANCES": "2",
		"PAM_JWT_SECRET": "deferred-writes-test-secret-0123456789ab", "PAM_LOG_LEVEL": "error",
		"PAM_SHED_CPU": "100"} // analytics is shed on a busy machine; this test is about outages
	nodes := []*apptest.Server{apptest.Start(t, env), apptest.Start(t, env)}
	s := nodes[0].Register(t)

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	names := []string{"outage_view_a", "outage_view_b"}
	for i, name := range names {
		r := nodes[i].Do(t, "POST", "/api/v1/analytics/events", s.AccessToken,
			map[string]any{"events": []map[string]any{{"name": name}}})
		if r.Status != http.StatusAccepted {
			t.Fatalf("analytics events with the database down: %d %s; want 202 (kept for replay)", r.Status, r.Body)
		}
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, db)
	count := func() map[string]int {
		n := map[string]int{}
		err := st.ScanUsage(context.Background(), time.Time{}, time.Time{}, func(f store.UsageFact) error {
			if f.Kind == store.UsageClient {
				n[f.Name]++
			}
			return nil
		})
		if err != nil {
			t.Fatalf("scan usage: %v", err)
		}
		return n
	}
	waitUntil(t, 45*time.Second, func() bool {
		n := count()
		return n[names[0]] > 0 && n[names[1]] > 0
	}, "events sent during the outage recorded after PostgreSQL restarted")
	time.Sleep(2 * time.Second) // a second replay, if any, would land now
	if n := count(); n[names[0]] != 1 || n[names[1]] != 1 {
		t.Fatalf("events recorded %v, want each once", n)
	}
	dead, _, err := st.ListDeadLetters(context.Background(), store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dead {
		if d.Kind == "write" {
			t.Fatalf("write dead letter left after replay: %+v", d)
		}
	}
}

// TestHistoryListsReadTheReplicaAndFallBack points PAM_REPLICA_URL at a
// second PostgreSQL server holding a different conversation: the
// conversation list shows the replica's, and the primary's once the replica
// is stopped.
func TestHistoryListsReadTheReplicaAndFallBack(t *testing.T) {
	replicaServer := testenv.StartPostgres(t)
	replicaURL := replicaServer.CreateDatabase(t)
	replica := openStore(t, replicaURL) // applies the schema replication would bring
	srv := apptest.Start(t, map[string]string{"PAM_DATABASE_URL": testenv.Postgres(t), "PAM_REPLICA_URL": replicaURL,
		"PAM_JWT_SECRET": "replica-reads-test-secret-0123456789abcdef", "PAM_LOG_LEVEL": "error"})
	s := srv.Register(t)
	primaryConv := chat(t, srv, s.AccessToken, "I spent $3 on coffee", "").ConversationID

	ctx := context.Background()
	if err := replica.CreateUser(ctx, &store.User{ID: s.UserID, Email: s.Email, PasswordHash: "x", Role: "user"}); err != nil {
		t.Fatal(err)
	}
	replicaConv := &store.Conversation{UserID: s.UserID, Title: "only on the replica"}
	if err := replica.CreateConversation(ctx, replicaConv); err != nil {
		t.Fatal(err)
	}
	firstConversation := func() string {
		r := srv.Do(t, "GET", "/api/v1/conversations", s.AccessToken, nil)
		var body struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		r.JSON(t, &body)
		if r.Status != http.StatusOK || len(body.Items) != 1 {
			t.Fatalf("conversations: %d %s; want one item", r.Status, r.Body)
		}
		return body.Items[0].ID
	}
	if got := firstConversation(); got != replicaConv.ID {
		t.Fatalf("conversation list read %s, want the replica's %s", got, replicaConv.ID)
	}
	r := srv.Do(t, "GET", "/api/v1/conversations/"+primaryConv+"/messages", s.AccessToken, nil)
	var msgs struct {
		Items []json.RawMessage `json:"items"`
	}
	r.JSON(t, &msgs)
	if r.Status != http.StatusOK || len(msgs.Items) < 2 {
		t.Fatalf("messages of a conversation the replica lacks: %d %s; want the primary's", r.Status, r.Body)
	}
	if err := replicaServer.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := firstConversation(); got != primaryConv {
		t.Fatalf("with the replica down the list read %s, want the primary's %s", got, primaryConv)
	}
}
