package voice

import (
	"bytes"
	"context"
	"encoding/binary"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/pamerr"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestEspeakSpeaksValidWAV(t *testing.T) {
	requireEspeak(t)
	s := New(Config{}, nil, nil, nil, &Espeak{})
	a, err := s.Speak(ctxT(t), Request{Text: "Cheapest diesel is two miles ahead."})
	if err != nil {
		t.Fatal(err)
	}
	if a.Engine != "espeak-ng" || a.ContentType != "audio/wav" || !isWAV(a.Data) {
		t.Fatalf("got engine %s type %s, %d bytes, header %q; want a valid espeak WAV", a.Engine, a.ContentType, len(a.Data), a.Data[:min(len(a.Data), 44)])
	}
	// Text that looks like an option is spoken, not obeyed (it goes through stdin).
	if a, err = s.Speak(ctxT(t), Request{Text: "--help", Voice: "en-gb"}); err != nil || !isWAV(a.Data) {
		t.Fatalf("option-like text: %v", err)
	}
}

func TestChainPrefersCloudAndFallsBack(t *testing.T) {
	tests := []struct {
		name       string
		cloudFails bool
		cloudEmpty bool
		format     string
		wantEngine string
		wantLocal  int64
	}{
		{"cloud answers", false, false, "wav", "openai", 0},
		{"cloud answers mp3", false, false, "mp3", "openai", 0},
		{"cloud 500 falls back", true, false, "wav", "local", 1},
		{"cloud empty audio falls back", false, true, "wav", "local", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeOpenAI(t)
			fake.fail.Store(tc.cloudFails)
			fake.empty.Store(tc.cloudEmpty)
			local := &stubEngine{name: "local"}
			s := New(Config{}, nil, nil, nil, NewOpenAI(fake.config()), local)
			a, err := s.Speak(ctxT(t), Request{Text: "Hello", Voice: "nova", Format: tc.format})
			if err != nil {
				t.Fatal(err)
			}
			if a.Engine != tc.wantEngine || local.calls.Load() != tc.wantLocal || fake.speech.Load() != 1 {
				t.Fatalf("engine %s, local calls %d, cloud calls %d; want %s, %d, 1", a.Engine, local.calls.Load(), fake.speech.Load(), tc.wantEngine, tc.wantLocal)
			}
			body := fake.lastBody.Load().(map[string]any)
			if body["input"] != "Hello" || body["voice"] != "nova" || body["response_format"] != tc.format || body["model"] != "gpt-4o-mini-tts" {
				t.Errorf("speech request body = %v", body)
			}
		})
	}
}

func TestCloudFallsBackToEspeak(t *testing.T) {
	requireEspeak(t)
	fake := newFakeOpenAI(t)
	fake.fail.Store(true)
	s := New(Config{}, nil, nil, nil, NewOpenAI(fake.config()), &Espeak{})
	a, err := s.Speak(ctxT(t), Request{Text: "Falling back"})
	if err != nil || a.Engine != "espeak-ng" || !isWAV(a.Data) {
		t.Fatalf("Speak = %+v, %v; want espeak WAV", a, err)
	}
	st := s.Status(ctxT(t))
	if st[0].Name != "openai" || st[0].Failures != 1 || st[0].LastError == "" || st[1].Successes != 1 {
		t.Errorf("status after fallback = %+v", st)
	}
}

func TestNoEngineIsUpstreamUnavailable(t *testing.T) {
	fake := newFakeOpenAI(t)
	fake.fail.Store(true)
	tests := []struct {
		name    string
		engines []Engine
		format  string
	}{
		{"no engines", nil, "wav"},
		{"espeak missing", []Engine{&Espeak{Path: "/nonexistent/espeak-ng"}}, "wav"},
		{"cloud down and local down", []Engine{NewOpenAI(fake.config()), &stubEngine{name: "local", err: errStub}}, "wav"},
		{"only espeak and mp3 asked", []Engine{&Espeak{}}, "mp3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{}, nil, nil, nil, tc.engines...)
			a, err := s.Speak(ctxT(t), Request{Text: "Hello", Format: tc.format})
			if pamerr.CodeOf(err) != pamerr.UpstreamUnavailable || a != nil {
				t.Fatalf("Speak = %v, %v; want UPSTREAM_UNAVAILABLE and no audio", a, err)
			}
		})
	}
}

func TestSpeakCachesByTextVoiceFormat(t *testing.T) {
	fake := newFakeOpenAI(t)
	s := New(Config{}, cache.NewMemory(cache.MemoryOptions{}), nil, nil, NewOpenAI(fake.config()))
	speak := func(r Request) *Audio {
		a, err := s.Speak(ctxT(t), r)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	first := speak(Request{Text: "Hi", Voice: "nova"})
	again := speak(Request{Text: " Hi ", Voice: "nova", Format: "WAV"}) // normalizes to the same key
	if first.Cached || !again.Cached || !bytes.Equal(first.Data, again.Data) || again.Engine != "openai" || fake.speech.Load() != 1 {
		t.Fatalf("cached=%v/%v engine %s, cloud calls %d; want second from cache", first.Cached, again.Cached, again.Engine, fake.speech.Load())
	}
	speak(Request{Text: "Hi", Voice: "onyx"})
	speak(Request{Text: "Hi", Voice: "nova", Format: "mp3"})
	if fake.speech.Load() != 3 {
		t.Fatalf("cloud calls = %d; a new voice or format must not come from the cache", fake.speech.Load())
	}
}

func TestValidate(t *testing.T) {
	s := New(Config{MaxChars: 10}, nil, nil, nil)
	tests := []struct {
		name string
		r    Request
		code pamerr.Code
	}{
		{"ok", Request{Text: "hello"}, ""},
		{"exactly the limit in runes", Request{Text: strings.Repeat("é", 10)}, ""},
		{"empty", Request{Text: "  "}, pamerr.InvalidInput},
		{"too long", Request{Text: strings.Repeat("a", 11)}, pamerr.MessageTooLarge},
		{"voice with a space", Request{Text: "hi", Voice: "en us"}, pamerr.InvalidInput},
		{"voice as an option", Request{Text: "hi", Voice: "-s999"}, pamerr.InvalidInput},
		{"unknown format", Request{Text: "hi", Format: "ogg"}, pamerr.InvalidInput},
		{"invalid UTF-8", Request{Text: "hi\xff"}, pamerr.InvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Validate(tc.r); pamerr.CodeOf(err) != tc.code {
				t.Fatalf("Validate(%+v) = %v, want %q", tc.r, err, tc.code)
			}
		})
	}
}

func TestTestReportsEveryEngine(t *testing.T) {
	fake := newFakeOpenAI(t)
	s := New(Config{}, cache.NewMemory(cache.MemoryOptions{}), nil, nil, NewOpenAI(fake.config()), &stubEngine{name: "local", err: errStub})
	res := s.Test(ctxT(t))
	if len(res) != 2 || !res[0].OK || res[0].Bytes == 0 || res[1].OK || res[1].Error == "" {
		t.Fatalf("Test = %+v", res)
	}
	_ = s.Test(ctxT(t))
	if fake.speech.Load() != 2 {
		t.Errorf("Test must bypass the cache: cloud calls %d, want 2", fake.speech.Load())
	}
}

func TestTranscribe(t *testing.T) {
	fake := newFakeOpenAI(t)
	s := New(Config{}, nil, NewOpenAITranscriber(fake.config()), nil)
	tr, err := s.Transcribe(ctxT(t), strings.NewReader("RIFFaudio"), "clip.wav", "audio/wav", "en")
	if err != nil || !tr.Available || tr.Text != "find cheap fuel near clip.wav RIFF" || tr.Provider != "openai" {
		t.Fatalf("Transcribe = %+v, %v", tr, err)
	}
	fake.fail.Store(true)
	if _, err := s.Transcribe(ctxT(t), strings.NewReader("RIFF"), "clip.wav", "audio/wav", ""); pamerr.CodeOf(err) != pamerr.UpstreamUnavailable {
		t.Fatalf("provider down: err = %v, want UPSTREAM_UNAVAILABLE", err)
	}
	none := New(Config{}, nil, nil, nil)
	tr, err = none.Transcribe(ctxT(t), strings.NewReader("x"), "a.wav", "audio/wav", "")
	if err != nil || tr.Available || tr.Fallback != "browser" || tr.Message == "" {
		t.Fatalf("no provider: %+v, %v; want the browser fallback", tr, err)
	}
}

func TestFixWAV(t *testing.T) {
	streamed := testWAV(10)
	copy(streamed[4:8], []byte{0x24, 0xf0, 0xff, 0x7f}) // espeak-ng's streaming placeholders
	copy(streamed[40:44], []byte{0x00, 0xf0, 0xff, 0x7f})
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"valid", testWAV(10), true},
		{"streaming placeholders", streamed, true},
		{"not riff", []byte("ID3\x04fake mp3 data here.."), false},
		{"empty data", testWAV(0), false},
		{"short", []byte("RIFF"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := FixWAV(append([]byte(nil), tc.in...))
			if (err == nil) != tc.ok || (tc.ok && !isWAV(out)) {
				t.Fatalf("FixWAV = %v, %v; want ok=%v and a consistent header", out, err, tc.ok)
			}
		})
	}
}

func FuzzFixWAV(f *testing.F) {
	f.Add(testWAV(4))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := FixWAV(append([]byte(nil), b...))
		if err == nil && (len(out) != len(b) || string(out[8:12]) != "WAVE" || int(binary.LittleEndian.Uint32(out[4:8])) != len(out)-8) {
			t.Fatalf("FixWAV accepted %q but the RIFF size is not the real length", b)
		}
	})
}

func BenchmarkSpeakCached(b *testing.B) {
	s := New(Config{}, cache.NewMemory(cache.MemoryOptions{}), nil, nil, &stubEngine{name: "local"})
	ctx := context.Background()
	req := Request{Text: strings.Repeat("Diesel is cheapest two miles ahead. ", 20)}
	if _, err := s.Speak(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if a, err := s.Speak(ctx, req); err != nil || !a.Cached {
			b.Fatal(err)
		}
	}
}

func BenchmarkEspeak(b *testing.B) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		b.Skip("espeak-ng is not installed")
	}
	s := New(Config{}, nil, nil, nil, &Espeak{})
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Speak(ctx, Request{Text: "Diesel is cheapest two miles ahead."}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEspeakBoundsConcurrency(t *testing.T) {
	requireEspeak(t)
	e := &Espeak{MaxConcurrent: 1}
	release, err := e.acquire(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.Synthesize(ctx, "waiting", "", FormatWAV); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("second process while one runs: %v, want busy", err)
	}
	release()
	if _, err := e.Synthesize(ctxT(t), "now free", "", FormatWAV); err != nil {
		t.Fatal(err)
	}
}

func TestClearCache(t *testing.T) {
	fake := newFakeOpenAI(t)
	s := New(Config{}, cache.NewMemory(cache.MemoryOptions{}), nil, nil, NewOpenAI(fake.config()))
	for range 2 {
		if _, err := s.Speak(ctxT(t), Request{Text: "Hi"}); err != nil {
			t.Fatal(err)
		}
		if err := s.ClearCache(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	if fake.speech.Load() != 2 {
		t.Fatalf("cloud calls = %d, want 2 (the cache was cleared between)", fake.speech.Load())
	}
}
