package realtimetest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pamtravel/pam/protocol"
)

func TestLongPoll(t *testing.T) {
	srv := start(t, nil)
	sess := srv.Register(t)
	poll := func(after int64, wait string) (protocol.Events, time.Duration) {
		t.Helper()
		began := time.Now()
		r := srv.Do(t, "GET", fmt.Sprintf("/api/v1/events?after=%d&wait=%s", after, wait), sess.AccessToken, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("events: %d %s", r.Status, r.Body)
		}
		var ev protocol.Events
		r.JSON(t, &ev)
		return ev, time.Since(began)
	}

	empty, took := poll(0, "300ms")
	if len(empty.Events) != 0 || empty.LastSeq != 0 || !empty.Recovered || took < 250*time.Millisecond {
		t.Fatalf("empty poll = %+v after %v", empty, took)
	}

	// A poll waiting when the answer is produced returns at once with it.
	type result struct {
		ev   protocol.Events
		took time.Duration
	}
	done := make(chan result, 1)
	go func() {
		ev, took := poll(0, "20s")
		done <- result{ev, took}
	}()
	time.Sleep(200 * time.Millisecond)
	r := srv.Do(t, "POST", "/api/v1/chat", sess.AccessToken, map[string]string{"message": coffee, "client_message_id": "lp-1"})
	if r.Status != http.StatusOK {
		t.Fatalf("chat: %d %s", r.Status, r.Body)
	}
	res := <-done
	if len(res.ev.Events) != 1 || res.ev.LastSeq != 1 || res.took > 10*time.Second {
		t.Fatalf("woken poll = %+v after %v", res.ev, res.took)
	}
	var m protocol.Message
	if err := jsonUnmarshal(res.ev.Events[0], &m); err != nil || m.Type != protocol.TypeMessage || m.Seq != 1 || m.ID != "lp-1" {
		t.Fatalf("event = %s (%v)", res.ev.Events[0], err)
	}

	// Already there: answered immediately.
	again, took := poll(0, "20s")
	if len(again.Events) != 1 || took > 5*time.Second {
		t.Fatalf("poll with a backlog = %+v after %v", again, took)
	}
	// A client ahead of the server must reload.
	ahead, _ := poll(99, "0s")
	if ahead.Recovered {
		t.Fatalf("poll from the future = %+v, want recovered:false", ahead)
	}

	for _, bad := range []string{"after=-1", "after=x", "wait=forever", "wait=-3s", "wait=NaN"} {
		if r := srv.Do(t, "GET", "/api/v1/events?"+bad, sess.AccessToken, nil); r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d %s", bad, r.Status, r.Body)
		}
	}
	if r := srv.Do(t, "GET", "/api/v1/events", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("unauthenticated poll: %d", r.Status)
	}
}
