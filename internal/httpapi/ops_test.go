package httpapi

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/analytics"
	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/ratelimit"
	"github.com/pamtravel/pam/internal/safety"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/internal/voice"
)

// roleAuth accepts "user-<id>" and "admin-<id>".
type roleAuth struct{ Authenticator }

func (roleAuth) Verify(_ context.Context, tok string) (auth.Claims, error) {
	for _, role := range []string{"user", "admin"} {
		if id, ok := strings.CutPrefix(tok, role+"-"); ok && id != "" {
			return auth.Claims{UserID: id, Role: role, ExpiresAt: time.Now().Add(time.Hour)}, nil
		}
	}
	return auth.Claims{}, pamerr.New(pamerr.Unauthenticated, "bad token")
}

func (roleAuth) Touch(context.Context, auth.Claims) {}

// fakeSpeechAPI answers like OpenAI's /v1/audio/speech and /v1/audio/transcriptions.
type fakeSpeechAPI struct {
	url   string
	fail  atomic.Bool
	calls atomic.Int64
}

func newFakeSpeechAPI(t *testing.T) *fakeSpeechAPI {
	f := &fakeSpeechAPI{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/audio/speech", func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		var body struct {
			Input, Voice, Model string
		}
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Input == "" || body.Model == "" {
			http.Error(w, `{"error":{"message":"input and model are required"}}`, http.StatusBadRequest)
			return
		}
		if f.fail.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":{"message":"overloaded","type":"server_error"}}`)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(wavBytes(400))
	})
	mux.HandleFunc("POST /v1/audio/transcriptions", func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := r.FormFile("file"); err != nil {
			http.Error(w, `{"error":{"message":"file required"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"text":"where is the cheapest diesel"}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/v1"
	return f
}

func wavBytes(n int) []byte {
	b := make([]byte, 44+n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	return b
}

type opsHarness struct {
	url    string
	store  store.Store
	cache  *cache.Memory
	abuse  *safety.Abuse
	speech *fakeSpeechAPI
	user   *store.User // role user
	other  *store.User
	admin  *store.User
}

type opsOptions struct {
	engines func(h *opsHarness) []voice.Engine
	stt     bool
}

func newOpsHarness(t *testing.T, o opsOptions) *opsHarness {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "pam.db"), storage.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &opsHarness{store: st, cache: cache.NewMemory(cache.MemoryOptions{}), abuse: safety.NewAbuse(safety.AbuseConfig{}), speech: newFakeSpeechAPI(t)}
	for i, u := range []**store.User{&h.user, &h.other, &h.admin} {
		role := store.RoleUser
		if u == &h.admin { // requireAdmin checks the stored role, not only the token's
			role = store.RoleAdmin
		}
		*u = &store.User{Email: fmt.Sprintf("u%d@example.com", i), PasswordHash: "x", Settings: store.DefaultSettings(), Role: role}
		if err := st.CreateUser(ctx, *u); err != nil {
			t.Fatal(err)
		}
	}
	engines := []voice.Engine{voice.NewOpenAI(voice.OpenAIConfig{APIKey: "test-key", BaseURL: h.speech.url})}
	if o.engines != nil {
		engines = o.engines(h)
	}
	var stt voice.Transcriber
	if o.stt {
		stt = voice.NewOpenAITranscriber(voice.OpenAIConfig{APIKey: "test-key", BaseURL: h.speech.url})
	}
	ops := Ops{
		Voice:     voice.New(voice.Config{}, cache.NewMemory(cache.MemoryOptions{}), stt, log, engines...), // audio has a cache of its own, as in the app
		Analytics: analytics.New(st, analytics.Config{SubscriptionPrice: money.MustParse("9.99", "USD")}, nil, log),
		Cache:     h.cache, Abuse: h.abuse,
		WarmWeather: func(_ context.Context, p geo.Point) error {
			if p.Lat == 0 {
				return pamerr.New(pamerr.UpstreamUnavailable, "weather is offline")
			}
			return nil
		},
		MaxAudioBytes: 1 << 10,
	}
	handler := NewServer(Deps{Log: log, Store: st, Auth: roleAuth{}, Limiter: ratelimit.NewMemory(),
		Delivery: delivery.NewService(st, nil, nil, delivery.NewHub(16), log, delivery.Config{}), Ops: ops})
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

func (h *opsHarness) userToken() string  { return "user-" + h.user.ID }
func (h *opsHarness) adminToken() string { return "admin-" + h.admin.ID }

type opsResp struct {
	status int
	header http.Header
	body   []byte
}

func (r opsResp) code() string {
	var e errorBody
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Code
}

func (h *opsHarness) do(t *testing.T, method, path, token, ctype string, body []byte) opsResp {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return opsResp{status: resp.StatusCode, header: resp.Header, body: b}
}

func (h *opsHarness) json(t *testing.T, method, path, token string, v any) opsResp {
	t.Helper()
	var b []byte
	switch x := v.(type) {
	case nil:
	case string:
		b = []byte(x)
	default:
		b, _ = json.Marshal(x)
	}
	return h.do(t, method, path, token, "application/json", b)
}

var opsRoutes = []struct {
	method, path string
	admin        bool
}{
	{"POST", "/api/v1/voice/speak", false},
	{"GET", "/api/v1/voice/status", false},
	{"POST", "/api/v1/voice/test", true},
	{"POST", "/api/v1/voice/transcribe", false},
	{"GET", "/api/v1/savings/monthly", false},
	{"GET", "/api/v1/savings/recent", false},
	{"GET", "/api/v1/savings/analytics", false},
	{"GET", "/api/v1/savings/guarantee", false},
	{"POST", "/api/v1/analytics/events", false},
	{"POST", "/api/v1/messages/m1/feedback", false},
	{"GET", "/api/v1/admin/usage", true},
	{"GET", "/api/v1/admin/feedback", true},
	{"GET", "/api/v1/admin/cache", true},
	{"POST", "/api/v1/admin/cache/invalidate", true},
	{"POST", "/api/v1/admin/cache/warm", true},
	{"POST", "/api/v1/admin/cache/clear", true},
	{"GET", "/api/v1/admin/security", true},
	{"POST", "/api/v1/admin/security/reset", true},
	{"GET", "/api/v1/admin/ratelimit/u1", true},
}

func TestOpsRoutesNeedAuthAndRole(t *testing.T) {
	h := newOpsHarness(t, opsOptions{})
	for _, rt := range opsRoutes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			if r := h.json(t, rt.method, rt.path, "", "{}"); r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
				t.Errorf("no token: %d %s", r.status, r.body)
			}
			if r := h.json(t, rt.method, rt.path, "garbage", "{}"); r.status != http.StatusUnauthorized {
				t.Errorf("bad token: %d %s", r.status, r.body)
			}
			r := h.json(t, rt.method, rt.path, h.userToken(), "{}")
			if rt.admin && (r.status != http.StatusForbidden || r.code() != "FORBIDDEN") {
				t.Errorf("user on an admin route: %d %s", r.status, r.body)
			}
			if !rt.admin && (r.status == http.StatusForbidden || r.status == http.StatusUnauthorized) {
				t.Errorf("user on a user route: %d %s", r.status, r.body)
			}
			if r := h.json(t, rt.method, rt.path, h.adminToken(), "{}"); r.status == http.StatusForbidden || r.status == http.StatusUnauthorized || r.status == http.StatusNotFound && r.code() == "NOT_FOUND" && !strings.Contains(rt.path, "feedback") {
				t.Errorf("admin: %d %s", r.status, r.body)
			}
		})
	}
}

func TestOpsRejectBadInput(t *testing.T) {
	h := newOpsHarness(t, opsOptions{stt: true})
	u, a := h.userToken(), h.adminToken()
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"speak malformed JSON", "POST", "/api/v1/voice/speak", u, `{"text":`, 400, "INVALID_INPUT"},
		{"speak empty text", "POST", "/api/v1/voice/speak", u, map[string]string{"text": " "}, 400, "INVALID_INPUT"},
		{"speak text too long", "POST", "/api/v1/voice/speak", u, map[string]string{"text": strings.Repeat("a", 2001)}, 413, "MESSAGE_TOO_LARGE"},
		{"speak unknown format", "POST", "/api/v1/voice/speak", u, map[string]string{"text": "hi", "format": "ogg"}, 400, "INVALID_INPUT"},
		{"speak voice with spaces", "POST", "/api/v1/voice/speak", u, map[string]string{"text": "hi", "voice": "a b"}, 400, "INVALID_INPUT"},
		{"speak text not a string", "POST", "/api/v1/voice/speak", u, `{"text":5}`, 400, "INVALID_INPUT"},
		{"feedback bad rating", "POST", "/api/v1/messages/m1/feedback", u, map[string]string{"rating": "meh"}, 400, "INVALID_INPUT"},
		{"feedback unknown message", "POST", "/api/v1/messages/nope/feedback", u, map[string]string{"rating": "up"}, 404, "NOT_FOUND"},
		{"feedback note too long", "POST", "/api/v1/messages/m1/feedback", u, map[string]string{"rating": "up", "note": strings.Repeat("x", 1001)}, 400, "INVALID_INPUT"},
		{"events empty", "POST", "/api/v1/analytics/events", u, map[string]any{"events": []any{}}, 400, "INVALID_INPUT"},
		{"events too many", "POST", "/api/v1/analytics/events", u, map[string]any{"events": make([]map[string]string, 51)}, 400, "INVALID_INPUT"},
		{"events bad name", "POST", "/api/v1/analytics/events", u, `{"events":[{"name":"DROP TABLE"}]}`, 400, "INVALID_INPUT"},
		{"events props not an object", "POST", "/api/v1/analytics/events", u, `{"events":[{"name":"x","props":[1]}]}`, 400, "INVALID_INPUT"},
		{"events props too big", "POST", "/api/v1/analytics/events", u, `{"events":[{"name":"x","props":{"a":"` + strings.Repeat("b", 3000) + `"}}]}`, 400, "INVALID_INPUT"},
		{"events body too big", "POST", "/api/v1/analytics/events", u, `{"events":[` + strings.Repeat(`{"name":"x"},`, 8000) + `{"name":"x"}]}`, 413, "MESSAGE_TOO_LARGE"},
		{"monthly bad month", "GET", "/api/v1/savings/monthly?month=July", u, nil, 400, "INVALID_INPUT"},
		{"recent days zero", "GET", "/api/v1/savings/recent?days=0", u, nil, 400, "INVALID_INPUT"},
		{"analytics months too many", "GET", "/api/v1/savings/analytics?months=100", u, nil, 400, "INVALID_INPUT"},
		{"usage days not a number", "GET", "/api/v1/admin/usage?days=x", a, nil, 400, "INVALID_INPUT"},
		{"feedback list bad limit", "GET", "/api/v1/admin/feedback?limit=1000", a, nil, 400, "INVALID_INPUT"},
		{"invalidate neither", "POST", "/api/v1/admin/cache/invalidate", a, `{}`, 400, "INVALID_INPUT"},
		{"invalidate both", "POST", "/api/v1/admin/cache/invalidate", a, map[string]string{"user_id": "u", "pattern": "ext:"}, 400, "INVALID_INPUT"},
		{"invalidate bad pattern", "POST", "/api/v1/admin/cache/invalidate", a, map[string]string{"pattern": "a*b*"}, 400, "INVALID_INPUT"},
		{"warm no locations", "POST", "/api/v1/admin/cache/warm", a, `{"locations":[]}`, 400, "INVALID_INPUT"},
		{"warm bad coordinate", "POST", "/api/v1/admin/cache/warm", a, `{"locations":[{"lat":91,"lng":0}]}`, 400, "INVALID_INPUT"},
		{"security reset no user", "POST", "/api/v1/admin/security/reset", a, `{}`, 400, "INVALID_INPUT"},
		{"ratelimit bad user", "GET", "/api/v1/admin/ratelimit/a:b", a, nil, 400, "INVALID_INPUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.json(t, tc.method, tc.path, tc.token, tc.body)
			if r.status != tc.status || r.code() != tc.code {
				t.Fatalf("%d %s; want %d %s", r.status, r.body, tc.status, tc.code)
			}
		})
	}
	t.Run("transcribe not audio", func(t *testing.T) {
		r := h.do(t, "POST", "/api/v1/voice/transcribe", u, "text/plain", []byte("hello"))
		if r.status != 400 || r.code() != "INVALID_INPUT" {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("transcribe too large", func(t *testing.T) {
		r := h.do(t, "POST", "/api/v1/voice/transcribe", u, "audio/wav", wavBytes(4<<10))
		if r.status != 413 || r.code() != "MESSAGE_TOO_LARGE" {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("transcribe empty", func(t *testing.T) {
		r := h.do(t, "POST", "/api/v1/voice/transcribe", u, "audio/webm", nil)
		if r.status != 400 || r.code() != "INVALID_INPUT" {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}

func haveEspeak(t *testing.T) bool {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		if os.Getenv("PAM_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("espeak-ng is required (PAM_REQUIRE_INTEGRATION=1) but not installed")
		}
		t.Log("SKIPPING the espeak-ng part: espeak-ng is not installed")
		return false
	}
	return true
}

func TestVoiceSpeakRoute(t *testing.T) {
	h := newOpsHarness(t, opsOptions{engines: func(h *opsHarness) []voice.Engine {
		return []voice.Engine{voice.NewOpenAI(voice.OpenAIConfig{APIKey: "test-key", BaseURL: h.speech.url}), &voice.Espeak{}}
	}})
	speak := func(text string) opsResp {
		return h.json(t, "POST", "/api/v1/voice/speak", h.userToken(), map[string]string{"text": text})
	}
	r := speak("Cloud first")
	if r.status != 200 || r.header.Get("Content-Type") != "audio/wav" || r.header.Get("X-Voice-Engine") != "openai" || !bytes.HasPrefix(r.body, []byte("RIFF")) {
		t.Fatalf("cloud: %d %v %q", r.status, r.header, r.body[:min(len(r.body), 16)])
	}
	if r = speak("Cloud first"); r.header.Get("X-Voice-Cache") != "hit" || h.speech.calls.Load() != 1 {
		t.Fatalf("repeat not cached: %v, cloud calls %d", r.header, h.speech.calls.Load())
	}
	h.speech.fail.Store(true)
	r = speak("Cloud is down")
	if haveEspeak(t) {
		if r.status != 200 || r.header.Get("X-Voice-Engine") != "espeak-ng" || len(r.body) <= 44 || string(r.body[8:12]) != "WAVE" {
			t.Fatalf("fallback: %d %v", r.status, r.header)
		}
	} else if r.code() != "UPSTREAM_UNAVAILABLE" {
		t.Fatalf("cloud down, no espeak: %d %s", r.status, r.body)
	}
	// The status route tells the cloud engine failed.
	var st voiceStatus
	if r = h.json(t, "GET", "/api/v1/voice/status", h.userToken(), nil); r.status != 200 || json.Unmarshal(r.body, &st) != nil || st.Engines[0].Name != "openai" ||
		st.Transcription != "browser" || st.Engines[0].Failures == 0 || st.Engines[0].LastError != "" {
		t.Fatalf("status for a user (failure counted, provider error hidden): %d %s", r.status, r.body)
	}
	if r = h.json(t, "GET", "/api/v1/voice/status", h.adminToken(), nil); json.Unmarshal(r.body, &st) != nil || st.Engines[0].LastError == "" {
		t.Fatalf("status for an admin shows the provider error: %s", r.body)
	}
	// 10 speak requests a minute per user: this is the 11th at most.
	for range 10 {
		r = speak("again")
	}
	if r.status != http.StatusTooManyRequests || r.code() != "RATE_LIMITED" || r.header.Get("Retry-After") == "" {
		t.Fatalf("11th speak: %d %s", r.status, r.body)
	}
	// The limit is per user.
	if r := h.json(t, "POST", "/api/v1/voice/speak", "user-"+h.other.ID, map[string]string{"text": "Cloud first"}); r.status != 200 {
		t.Fatalf("other user: %d %s", r.status, r.body)
	}
}

func TestVoiceNoEngineIsUpstreamUnavailable(t *testing.T) {
	h := newOpsHarness(t, opsOptions{engines: func(h *opsHarness) []voice.Engine {
		h.speech.fail.Store(true)
		return []voice.Engine{voice.NewOpenAI(voice.OpenAIConfig{APIKey: "test-key", BaseURL: h.speech.url}), &voice.Espeak{Path: "/nonexistent/espeak-ng"}}
	}})
	r := h.json(t, "POST", "/api/v1/voice/speak", h.userToken(), map[string]string{"text": "hello"})
	if r.status != http.StatusBadGateway || r.code() != "UPSTREAM_UNAVAILABLE" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %v %s; want a 502 UPSTREAM_UNAVAILABLE envelope, never 200 with empty audio", r.status, r.header, r.body)
	}
	r = h.json(t, "POST", "/api/v1/voice/test", h.adminToken(), nil)
	var res struct {
		OK      bool               `json:"ok"`
		Results []voice.TestResult `json:"results"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &res) != nil || res.OK || len(res.Results) != 2 || res.Results[1].Error == "" {
		t.Fatalf("voice test: %d %s", r.status, r.body)
	}
}

func TestVoiceTranscribe(t *testing.T) {
	t.Run("no provider tells the browser to recognise", func(t *testing.T) {
		h := newOpsHarness(t, opsOptions{})
		r := h.do(t, "POST", "/api/v1/voice/transcribe", h.userToken(), "audio/wav", wavBytes(10))
		var tr voice.Transcript
		if r.status != 200 || json.Unmarshal(r.body, &tr) != nil || tr.Available || tr.Fallback != "browser" {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("provider via multipart", func(t *testing.T) {
		h := newOpsHarness(t, opsOptions{stt: true})
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreatePart(map[string][]string{"Content-Disposition": {`form-data; name="file"; filename="clip.webm"`}, "Content-Type": {"audio/webm"}})
		_, _ = fw.Write([]byte("webm-bytes"))
		_ = mw.Close()
		r := h.do(t, "POST", "/api/v1/voice/transcribe?language=en", h.userToken(), mw.FormDataContentType(), buf.Bytes())
		var tr voice.Transcript
		if r.status != 200 || json.Unmarshal(r.body, &tr) != nil || !tr.Available || tr.Text != "where is the cheapest diesel" {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}

func TestFeedbackRoute(t *testing.T) {
	h := newOpsHarness(t, opsOptions{})
	ctx := context.Background()
	c := &store.Conversation{UserID: h.user.ID}
	if err := h.store.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	m := &store.Message{ConversationID: c.ID, UserID: h.user.ID, Role: store.MessageAssistant, Content: "Diesel is $3.89 in Moab."}
	if err := h.store.AppendMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/messages/" + m.ID + "/feedback"
	r := h.json(t, "POST", path, h.userToken(), map[string]string{"rating": "down", "note": "Wrong price; my password: hunter2hunter2"})
	var f store.Feedback
	if r.status != 200 || json.Unmarshal(r.body, &f) != nil || f.Rating != "down" || f.ConversationID != c.ID || strings.Contains(f.Note, "hunter2") {
		t.Fatalf("feedback: %d %s", r.status, r.body)
	}
	if r := h.json(t, "POST", path, "user-"+h.other.ID, map[string]string{"rating": "up"}); r.status != 404 {
		t.Fatalf("feedback on another user's message: %d %s", r.status, r.body)
	}
	r = h.json(t, "GET", "/api/v1/admin/feedback", h.adminToken(), nil)
	var l list[store.Feedback]
	if r.status != 200 || json.Unmarshal(r.body, &l) != nil || len(l.Items) != 1 || l.Items[0].UserID != h.user.ID {
		t.Fatalf("admin feedback: %d %s", r.status, r.body)
	}
}

func TestSavingsAndUsageRoutes(t *testing.T) {
	h := newOpsHarness(t, opsOptions{})
	ctx := context.Background()
	usd := func(s string) money.Money { return money.MustParse(s, "USD") }
	for _, e := range []*store.SavingsEvent{
		{UserID: h.user.ID, Category: "fuel", Baseline: usd("80.00"), Optimized: usd("72.00"), Saved: usd("8.00")},
		{UserID: h.user.ID, Category: "camping", Baseline: usd("45.00"), Optimized: usd("40.00"), Saved: usd("5.00")},
		{UserID: h.other.ID, Category: "fuel", Baseline: usd("999.00"), Optimized: usd("1.00"), Saved: usd("998.00")},
	} {
		if err := h.store.RecordSavings(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tok := h.userToken()
	var m analytics.MonthSummary
	if r := h.json(t, "GET", "/api/v1/savings/monthly", tok, nil); r.status != 200 || json.Unmarshal(r.body, &m) != nil || m.Count != 2 || m.Saved[0].String() != "13.00 USD" {
		t.Fatalf("monthly (must not see the other user's savings): %s", r.body)
	}
	var g analytics.Guarantee
	if r := h.json(t, "GET", "/api/v1/savings/guarantee", tok, nil); r.status != 200 || json.Unmarshal(r.body, &g) != nil || !g.Met || g.SubscriptionPrice.String() != "9.99 USD" {
		t.Fatalf("guarantee: %s", r.body)
	}
	if r := h.json(t, "GET", "/api/v1/savings/recent?limit=1", tok, nil); r.status != 200 || !strings.Contains(string(r.body), `"camping"`) || strings.Contains(string(r.body), `"fuel"`) {
		t.Fatalf("recent: %s", r.body)
	}
	if r := h.json(t, "GET", "/api/v1/savings/analytics?months=2", tok, nil); r.status != 200 || !strings.Contains(string(r.body), `"months"`) {
		t.Fatalf("analytics: %s", r.body)
	}
	r := h.json(t, "POST", "/api/v1/analytics/events", tok, `{"events":[{"name":"speak_clicked","props":{"len":12}},{"name":"page_view"}]}`)
	if r.status != http.StatusAccepted {
		t.Fatalf("events: %d %s", r.status, r.body)
	}
	var usage struct {
		Days []analytics.UsageDay `json:"days"`
	}
	if r := h.json(t, "GET", "/api/v1/admin/usage?days=3", h.adminToken(), nil); r.status != 200 || json.Unmarshal(r.body, &usage) != nil ||
		len(usage.Days) != 3 || usage.Days[2].ClientEvents["speak_clicked"] != 1 {
		t.Fatalf("usage: %d %s", r.status, r.body)
	}
}

func TestCacheRoutes(t *testing.T) {
	h := newOpsHarness(t, opsOptions{})
	ctx := context.Background()
	for _, k := range []string{"ctx:" + h.user.ID + ":profile", "loc:last:" + h.user.ID, "ctx:" + h.other.ID + ":profile", "ext:weather:1", "ext:osrm:2"} {
		_ = h.cache.Set(ctx, k, []byte("v"), time.Hour)
	}
	a := h.adminToken()
	has := func(k string) bool { _, ok, _ := h.cache.GetStale(ctx, k); return ok }
	if r := h.json(t, "POST", "/api/v1/admin/cache/invalidate", a, map[string]string{"user_id": h.user.ID}); r.status != 200 {
		t.Fatalf("invalidate user: %d %s", r.status, r.body)
	}
	if has("ctx:"+h.user.ID+":profile") || has("loc:last:"+h.user.ID) || !has("ctx:"+h.other.ID+":profile") {
		t.Fatal("invalidating a user must drop exactly that user's keys")
	}
	if r := h.json(t, "POST", "/api/v1/admin/cache/invalidate", a, map[string]string{"pattern": "ext:weather:*"}); r.status != 200 || has("ext:weather:1") || !has("ext:osrm:2") {
		t.Fatalf("invalidate pattern: %d %s", r.status, r.body)
	}
	var st cacheStatus
	if r := h.json(t, "GET", "/api/v1/admin/cache", a, nil); r.status != 200 || json.Unmarshal(r.body, &st) != nil || st.Kind != "memory" || *st.Entries != 2 {
		t.Fatalf("status: %s", r.body)
	}
	r := h.json(t, "POST", "/api/v1/admin/cache/warm", a, `{"locations":[{"lat":38.57,"lng":-109.55},{"lat":0,"lng":0}]}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"warmed":1`) || !strings.Contains(string(r.body), "weather is offline") {
		t.Fatalf("warm: %d %s", r.status, r.body)
	}
	if r := h.json(t, "POST", "/api/v1/admin/cache/clear", a, nil); r.status != 200 || h.cache.Len() != 0 {
		t.Fatalf("clear: %d %s, %d left", r.status, r.body, h.cache.Len())
	}
	// Spoken audio is cached too, and invalidating "tts:*" drops it.
	speak := func() string {
		return h.json(t, "POST", "/api/v1/voice/speak", h.userToken(), map[string]string{"text": "cached?"}).header.Get("X-Voice-Cache")
	}
	if first, again := speak(), speak(); first != "miss" || again != "hit" {
		t.Fatalf("speech cache: %s then %s", first, again)
	}
	if r := h.json(t, "POST", "/api/v1/admin/cache/invalidate", a, map[string]string{"pattern": "tts:*"}); r.status != 200 || speak() != "miss" {
		t.Fatalf("invalidate tts:*: %d %s", r.status, r.body)
	}
}

func TestSecurityAndRateLimitRoutes(t *testing.T) {
	h := newOpsHarness(t, opsOptions{})
	for range 10 {
		h.abuse.Record(h.user.ID, safety.Verdict{Decision: safety.Block})
	}
	a := h.adminToken()
	r := h.json(t, "GET", "/api/v1/admin/security", a, nil)
	if r.status != 200 || !strings.Contains(string(r.body), h.user.ID) || !strings.Contains(string(r.body), `"blocked":1`) {
		t.Fatalf("security status: %d %s", r.status, r.body)
	}
	for range 3 {
		h.json(t, "GET", "/api/v1/voice/status", h.userToken(), nil)
	}
	r = h.json(t, "GET", "/api/v1/admin/ratelimit/"+h.user.ID, a, nil)
	var rl struct {
		Supported    bool          `json:"supported"`
		Limits       []limitStatus `json:"limits"`
		AbuseBlocked bool          `json:"abuse_blocked"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &rl) != nil || !rl.Supported || rl.Limits[0].Scope != "user" || rl.Limits[0].Used != 3 || !rl.AbuseBlocked {
		t.Fatalf("ratelimit status: %d %s", r.status, r.body)
	}
	if r := h.json(t, "POST", "/api/v1/admin/security/reset", a, map[string]string{"user_id": h.user.ID}); r.status != 200 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if blocked, _ := h.abuse.Blocked(h.user.ID); blocked {
		t.Fatal("reset did not lift the block")
	}
}
