package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pamtravel/pam/internal/app"
	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/llm/llmtest"
)

// fakeSpeech answers like OpenAI's POST /v1/audio/speech.
func fakeSpeech(t *testing.T, key string, fail *atomic.Bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/v1/audio/speech" || r.Header.Get("Authorization") != "Bearer "+key {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		var body struct{ Input, Model, Voice string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Input == "" {
			http.Error(w, `{"error":{"message":"input required"}}`, http.StatusBadRequest)
			return
		}
		if fail != nil && fail.Load() {
			http.Error(w, `{"error":{"message":"overloaded","type":"server_error"}}`, http.StatusInternalServerError)
			return
		}
		b := make([]byte, 44+200)
		copy(b, "RIFF")
		binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
		copy(b[8:], "WAVEfmt ")
		binary.LittleEndian.PutUint32(b[16:], 16)
		copy(b[36:], "data")
		binary.LittleEndian.PutUint32(b[40:], 200)
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testKey(t *testing.T) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "test-" + hex.EncodeToString(b)
}

func espeakInstalled(t *testing.T) bool {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		if os.Getenv("PAM_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("espeak-ng is required (PAM_REQUIRE_INTEGRATION=1) but not installed")
		}
		return false
	}
	return true
}

// adminToken creates an admin with `pam user create --role admin` and signs in.
func adminToken(t *testing.T, s *apptest.Server) string {
	t.Helper()
	email := "admin-" + testKey(t)[5:15] + "@example.com"
	getenv := func(k string) string { return s.Env[k] }
	var out bytes.Buffer
	if err := app.Run(context.Background(), []string{"user", "create", "--email", email, "--password", "correct horse battery", "--role", "admin"},
		getenv, nil, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("user create: %v %s", err, out.String())
	}
	r := s.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": "correct horse battery"})
	var body struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(t, &body)
	return body.AccessToken
}

func TestSpeechThroughTheServer(t *testing.T) {
	key := testKey(t)
	var fail atomic.Bool
	tts := fakeSpeech(t, key, &fail)
	s := apptest.Start(t, map[string]string{"PAM_OPENAI_TTS_URL": tts.URL + "/v1", "PAM_OPENAI_TTS_API_KEY": key})
	u := s.Register(t)
	r := s.Do(t, "POST", "/api/v1/voice/speak", u.AccessToken, map[string]string{"text": "Diesel is cheapest in Green River."})
	if r.Status != 200 || r.Header.Get("X-Voice-Engine") != "openai" || !bytes.HasPrefix(r.Body, []byte("RIFF")) {
		t.Fatalf("speak: %d %v", r.Status, r.Header)
	}
	if espeakInstalled(t) {
		fail.Store(true)
		r = s.Do(t, "POST", "/api/v1/voice/speak", u.AccessToken, map[string]string{"text": "The cloud is down."})
		if r.Status != 200 || r.Header.Get("X-Voice-Engine") != "espeak-ng" || string(r.Body[8:12]) != "WAVE" {
			t.Fatalf("fallback: %d %v", r.Status, r.Header)
		}
	}
	if r = s.Do(t, "POST", "/api/v1/voice/test", u.AccessToken, nil); r.Status != http.StatusForbidden {
		t.Fatalf("voice test as a user: %d %s", r.Status, r.Body)
	}
	admin := adminToken(t, s)
	if r = s.Do(t, "POST", "/api/v1/voice/test", admin, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"engine":"openai"`) {
		t.Fatalf("voice test as admin: %d %s", r.Status, r.Body)
	}
	if r = s.Do(t, "GET", "/api/v1/admin/cache", admin, nil); r.Status != 200 {
		t.Fatalf("cache status: %d %s", r.Status, r.Body)
	}
}

func TestNoSpeechEngineIsUpstreamUnavailable(t *testing.T) {
	s := apptest.Start(t, map[string]string{"PAM_TTS_ENGINES": "espeak", "PAM_ESPEAK_PATH": "/nonexistent/espeak-ng"})
	u := s.Register(t)
	r := s.Do(t, "POST", "/api/v1/voice/speak", u.AccessToken, map[string]string{"text": "hello"})
	if r.Status != http.StatusBadGateway || r.ErrorCode() != "UPSTREAM_UNAVAILABLE" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r = s.Do(t, "POST", "/api/v1/voice/transcribe", u.AccessToken, []byte("RIFF")); r.Status != 200 || !strings.Contains(string(r.Body), `"fallback":"browser"`) {
		t.Fatalf("transcribe without a provider: %d %s", r.Status, r.Body)
	}
}

func TestEspeakIsTheEmbeddedDefault(t *testing.T) {
	if !espeakInstalled(t) {
		t.Skip("SKIPPING: espeak-ng is not installed (apt-get install -y espeak-ng)")
	}
	s := apptest.Start(t, nil)
	u := s.Register(t)
	r := s.Do(t, "POST", "/api/v1/voice/speak", u.AccessToken, map[string]string{"text": "Welcome to Moab."})
	if r.Status != 200 || r.Header.Get("X-Voice-Engine") != "espeak-ng" || len(r.Body) <= 44 || string(r.Body[:4]) != "RIFF" ||
		string(r.Body[8:12]) != "WAVE" || int(binary.LittleEndian.Uint32(r.Body[4:8])) != len(r.Body)-8 {
		t.Fatalf("%d %v, %d bytes", r.Status, r.Header, len(r.Body))
	}
}

// TestSavingsCelebration: a tool records savings that pass the threshold;
// the user gets one durable celebration event and the guarantee says so.
func TestSavingsCelebration(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	f.Push(llmtest.ToolUse(llmtest.Call{ID: "t1", Name: "track_savings", Input: `{"category":"fuel","description":"Cheaper diesel","baseline":"80.00","optimized":"62.50"}`}),
		llmtest.Text("You saved $17.50 on diesel."))
	s := apptest.Start(t, map[string]string{"PAM_MODEL": "anthropic:claude-sonnet-4-5,rules", "ANTHROPIC_API_KEY": testKey(t),
		"PAM_ANTHROPIC_BASE_URL": f.BaseURL(), "PAM_SAVINGS_CELEBRATE_AT": "15.00"})
	u := s.Register(t)
	mustChat(t, s, u.AccessToken, "I found diesel at 62.50 instead of 80")
	r := s.Do(t, "GET", "/api/v1/events?after=0&wait=1s", u.AccessToken, nil)
	var evs struct {
		Events []map[string]any `json:"events"`
	}
	r.JSON(t, &evs)
	n := 0
	for _, e := range evs.Events {
		if e["type"] == "celebration" {
			n++
			if !strings.Contains(e["message"].(string), "$17.50") || e["seq"] == nil {
				t.Errorf("celebration = %v", e)
			}
		}
	}
	if n != 1 {
		t.Fatalf("events = %s; want one celebration", r.Body)
	}
	r = s.Do(t, "GET", "/api/v1/savings/guarantee", u.AccessToken, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"celebrated":true`) || !strings.Contains(string(r.Body), `"met":true`) {
		t.Fatalf("guarantee: %d %s", r.Status, r.Body)
	}
}
