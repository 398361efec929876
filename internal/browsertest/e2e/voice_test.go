package e2e

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/browsertest"
)

// speechFake answers like OpenAI's POST /v1/audio/speech with a short, playable
// WAV of silence, and records what it was asked to say.
type speechFake struct {
	mu     sync.Mutex
	inputs []string
}

func (f *speechFake) said() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.inputs...)
}

func (f *speechFake) serve(key string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Input string }
		if r.URL.Path != "/v1/audio/speech" || r.Header.Get("Authorization") != "Bearer "+key || json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.inputs = append(f.inputs, body.Input)
		f.mu.Unlock()
		const rate, n = 8000, 1600 // 0.1 s of 16-bit mono silence
		b := make([]byte, 44+n)
		copy(b, "RIFF")
		binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
		copy(b[8:], "WAVEfmt ")
		binary.LittleEndian.PutUint32(b[16:], 16)
		binary.LittleEndian.PutUint16(b[20:], 1)
		binary.LittleEndian.PutUint16(b[22:], 1)
		binary.LittleEndian.PutUint32(b[24:], rate)
		binary.LittleEndian.PutUint32(b[28:], rate*2)
		binary.LittleEndian.PutUint16(b[32:], 2)
		binary.LittleEndian.PutUint16(b[34:], 16)
		copy(b[36:], "data")
		binary.LittleEndian.PutUint32(b[40:], n)
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(b)
	})
}

// TestSpeakButtonReadsPamsAnswer clicks the speak button on PAM's answer: the
// answer's text goes to the speech engine and the page plays what comes back
// (under the page's Content-Security-Policy, which the browser harness enforces).
func TestSpeakButtonReadsPamsAnswer(t *testing.T) {
	t.Parallel()
	b := browsertest.New(t, 90*time.Second)
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	key := "test-" + hex.EncodeToString(raw)
	fake := &speechFake{}
	tts := httptest.NewServer(fake.serve(key))
	t.Cleanup(tts.Close)
	s := apptest.Start(t, map[string]string{"PAM_OPENAI_TTS_URL": tts.URL + "/v1", "PAM_OPENAI_TTS_API_KEY": key})
	b.Register(s.URL, newUser())
	b.Say("I spent $18.75 on propane at Ace today")
	b.WaitJS("PAM's reply", browsertest.PamSaidJS("18.75"), 20*time.Second)
	b.WaitJS("the speak button", browsertest.VisibleJS("#messages .msg.pam .speak-btn"), 5*time.Second)
	answer := browsertest.Eval[string](b, `document.querySelector("#messages .msg.pam .text").textContent`)
	b.Do("click speak", chromedp.Click(chromedp.CSS("#messages .msg.pam .speak-btn")))
	b.WaitJS("audio from the server engine", `document.querySelector("#messages .msg.pam .speak-btn").dataset.engine === "openai"`, 10*time.Second)
	if got := fake.said(); len(got) != 1 || got[0] != answer {
		t.Fatalf("speech engine was asked to say %q, want PAM's answer %q", got, answer)
	}
	// The short clip ends and the button is ready again.
	b.WaitJS("playback ended", `document.querySelector("#messages .msg.pam .speak-btn").dataset.state === "idle"`, 10*time.Second)
	// Chromium has speech recognition, so the microphone button is offered.
	if !browsertest.Eval[bool](b, browsertest.VisibleJS("#mic-btn")) {
		t.Error("the microphone button is hidden in a browser with speech recognition")
	}
}
