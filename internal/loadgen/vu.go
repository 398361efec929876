package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pamtravel/pam/pamclient"
)

// vu is one virtual user: it sends a message, waits for its answer, thinks,
// and sends the next, until the run stops sending.
type vu struct {
	cfg      *Config
	col      *collector
	n        int
	rng      *rand.Rand
	stop     time.Time // no new message after this
	deadline time.Time // outstanding answers are lost after this

	mu   sync.Mutex
	conv string // the conversation, once the first answer named it

	down atomic.Bool // the WebSocket dropped and has not been welcomed back yet
}

func (v *vu) conversation() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.conv
}

func (v *vu) setConversation(id string) {
	v.mu.Lock()
	if v.conv == "" {
		v.conv = id
	}
	v.mu.Unlock()
}

var (
	clientOnce sync.Once
	client     *http.Client
)

func httpClient() *http.Client {
	clientOnce.Do(func() { client = &http.Client{Transport: sharedTransport(), Timeout: 90 * time.Second} })
	return client
}

func (v *vu) think(ctx context.Context) bool {
	if v.cfg.Think <= 0 {
		return ctx.Err() == nil
	}
	d := time.Duration(v.rng.ExpFloat64() * float64(v.cfg.Think))
	if d > 5*v.cfg.Think {
		d = 5 * v.cfg.Think
	}
	return sleep(ctx, d)
}

func (v *vu) id(k int) string { return fmt.Sprintf("load-%d-%d-%d", v.cfg.Seed%100000, v.n, k) }

// runWS drives a pamclient.Client: reconnects, resume and re-sends are the
// client's own, as for a real device.
func (v *vu) runWS(ctx context.Context) {
	if _, err := v.cfg.Accounts.Token(ctx, v.n, false); err != nil {
		v.col.setupError(err)
		return
	}
	c := pamclient.New(v.cfg.Target, pamclient.Options{
		HTTPClient: httpClient(), BackoffBase: 250 * time.Millisecond, BackoffMax: 4 * time.Second,
		Token: func(ctx context.Context) (string, error) { return v.cfg.Accounts.Token(ctx, v.n, false) },
	})
	defer closeSoon(c)
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	err := c.Connect(cctx)
	cancel()
	if err != nil {
		v.col.setupError(err)
		return
	}
	answers := make(chan string, 64)
	done := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		v.readWS(c, answers, done)
	}()
	defer func() { close(done); readers.Wait() }()
	for k := 0; time.Now().Before(v.stop); k++ {
		id := v.id(k)
		v.col.sent(id)
		if _, err := c.SendID(ctx, id, pick(v.rng, defaultMix), v.conversation(), nil); err != nil {
			v.col.failed(id, err.Error())
			return
		}
		if !v.await(ctx, id, answers) {
			return
		}
		if !v.think(ctx) {
			return
		}
	}
	v.awaitReconnect(ctx)
}

// reconnectWait bounds how long a finished user waits for a reconnection
// under way: longer than the client's longest backoff (4 s).
const reconnectWait = 6 * time.Second

// awaitReconnect lets a connection cut just before the user's last message
// was answered come back before the user stops, so every disconnect has had
// its chance to be followed by a reconnect.
func (v *vu) awaitReconnect(ctx context.Context) {
	until := time.Now().Add(reconnectWait)
	for v.down.Load() && time.Now().Before(until) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
}

// closeSoon closes c, waiting at most two seconds: a run ends when sending
// and answers end, not when every close handshake has.
func closeSoon(c *pamclient.Client) {
	done := make(chan struct{})
	go func() { c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}

// await waits for the answer (or final error) to id until the deadline.
func (v *vu) await(ctx context.Context, id string, answers <-chan string) bool {
	t := time.NewTimer(time.Until(v.deadline))
	defer t.Stop()
	for {
		select {
		case got := <-answers:
			if got == id {
				return true
			}
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (v *vu) readWS(c *pamclient.Client, answers chan<- string, done <-chan struct{}) {
	welcomed := false
	for {
		select {
		case <-done:
			return
		case m := <-c.Messages():
			v.setConversation(m.ConversationID)
			if v.col.answered(m.ID, "seq:"+strconv.FormatInt(m.Seq, 10), m.Degraded) {
				answers <- m.ID
			}
		case e := <-c.Events():
			switch e.Type {
			case "error":
				if e.Seq > 0 && e.ID != "" && v.col.failed(e.ID, e.Code+": "+e.Text) {
					answers <- e.ID
				}
			case "mode":
				if e.Mode == pamclient.ModeDisconnected && welcomed && !v.down.Load() {
					v.down.Store(true)
					v.col.connection(true)
				}
			case "welcome":
				if v.down.Load() {
					v.down.Store(false)
					v.col.connection(false)
				}
				welcomed = true
			}
		}
	}
}

// runREST posts each message with its client_message_id, retrying the same
// id after transport errors and 5xx answers, as a careful client does.
func (v *vu) runREST(ctx context.Context) {
	tok, err := v.cfg.Accounts.Token(ctx, v.n, false)
	if err != nil {
		v.col.setupError(err)
		return
	}
	for k := 0; time.Now().Before(v.stop); k++ {
		id := v.id(k)
		v.col.sent(id)
		text := pick(v.rng, defaultMix)
		for attempt := 0; ; attempt++ {
			if time.Now().After(v.deadline) || ctx.Err() != nil {
				return
			}
			status, out, retry, err := v.post(ctx, tok, id, text)
			switch {
			case err == nil && status == http.StatusOK:
				v.setConversation(out.ConversationID)
				v.col.answered(id, "msg:"+out.MessageID, out.Degraded)
			case status == http.StatusUnauthorized:
				if tok, err = v.cfg.Accounts.Token(ctx, v.n, true); err != nil {
					v.col.failed(id, err.Error())
				} else {
					continue
				}
			case err != nil || status >= 500 || status == http.StatusTooManyRequests:
				if retry <= 0 {
					retry = time.Duration(200*(attempt+1)) * time.Millisecond
				}
				if !sleep(ctx, min(retry, 5*time.Second)) {
					return
				}
				continue
			default:
				v.col.failed(id, fmt.Sprintf("HTTP %d %s", status, out.Error.Code))
			}
			break
		}
		if !v.think(ctx) {
			return
		}
	}
}

type chatAnswer struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	Degraded       bool   `json:"degraded"`
	Error          struct {
		Code string `json:"code"`
	} `json:"error"`
}

func (v *vu) post(ctx context.Context, tok, id, text string) (int, chatAnswer, time.Duration, error) {
	var out chatAnswer
	body, _ := json.Marshal(map[string]string{"message": text, "client_message_id": id, "conversation_id": v.conversation()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, trimBase(v.cfg.Target)+"/api/v1/chat", bytes.NewReader(body))
	if err != nil {
		return 0, out, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := httpClient().Do(req)
	if err != nil {
		return 0, out, 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = json.Unmarshal(data, &out)
	var retry time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		retry = time.Duration(s) * time.Second
	}
	return resp.StatusCode, out, retry, nil
}
