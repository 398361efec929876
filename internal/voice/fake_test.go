package voice

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeOpenAI answers like OpenAI's audio API: POST /v1/audio/speech with a
// JSON body returns the audio bytes; POST /v1/audio/transcriptions with a
// multipart form returns {"text": …}. fail makes every call a 500.
type fakeOpenAI struct {
	srv      *httptest.Server
	speech   atomic.Int64
	fail     atomic.Bool
	empty    atomic.Bool
	lastBody atomic.Value // map[string]any of the last speech request
}

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	f := &fakeOpenAI{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/audio/speech", func(w http.ResponseWriter, r *http.Request) {
		f.speech.Add(1)
		if r.Header.Get("Authorization") != "Bearer test-key" {
			http.Error(w, `{"error":{"message":"bad key","type":"invalid_request_error"}}`, http.StatusUnauthorized)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
			return
		}
		f.lastBody.Store(body)
		if f.fail.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":{"message":"The server had an error","type":"server_error"}}`)
			return
		}
		if f.empty.Load() {
			w.Header().Set("Content-Type", "audio/wav")
			return
		}
		if body["response_format"] == "mp3" {
			w.Header().Set("Content-Type", "audio/mpeg")
			_, _ = w.Write([]byte("ID3\x04\x00fake-mp3-frames"))
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(testWAV(800))
	})
	mux.HandleFunc("POST /v1/audio/transcriptions", func(w http.ResponseWriter, r *http.Request) {
		if f.fail.Load() {
			http.Error(w, `{"error":{"message":"down"}}`, http.StatusServiceUnavailable)
			return
		}
		file, hdr, err := r.FormFile("file")
		if err != nil || r.FormValue("model") == "" {
			http.Error(w, `{"error":{"message":"file and model required"}}`, http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(file)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"text": "find cheap fuel near " + hdr.Filename + " " + string(b[:4])})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOpenAI) config() OpenAIConfig {
	return OpenAIConfig{APIKey: "test-key", BaseURL: f.srv.URL + "/v1"}
}

// testWAV is a valid 8 kHz mono 16-bit WAV with n bytes of silence.
func testWAV(n int) []byte {
	b := make([]byte, 44+n)
	copy(b[0:], "RIFF")
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

// stubEngine is a local engine for chain-order tests.
type stubEngine struct {
	name  string
	err   error
	calls atomic.Int64
}

func (s *stubEngine) Name() string                { return s.name }
func (s *stubEngine) Supports(format string) bool { return format == FormatWAV }
func (s *stubEngine) Check(context.Context) error { return s.err }
func (s *stubEngine) Synthesize(context.Context, string, string, string) ([]byte, error) {
	s.calls.Add(1)
	if s.err != nil {
		return nil, s.err
	}
	return testWAV(100), nil
}

var errStub = errors.New("stub engine down")

// requireEspeak skips without espeak-ng, or fails when integration is required.
func requireEspeak(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		if os.Getenv("PAM_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("espeak-ng is required (PAM_REQUIRE_INTEGRATION=1) but not installed")
		}
		t.Skip("SKIPPING: espeak-ng is not installed (apt-get install -y espeak-ng); the local speech engine is untested")
	}
}

func isWAV(b []byte) bool {
	return len(b) > 44 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE" &&
		int(binary.LittleEndian.Uint32(b[4:8])) == len(b)-8 && strings.Contains(string(b[12:64]), "data")
}
