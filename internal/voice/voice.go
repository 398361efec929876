// Package voice owns PAM's speech: text-to-speech through a fallback chain of
// engines (OpenAI's speech API when configured, then the local espeak-ng
// program when installed), results cached by (text, voice, format), engine
// status and timed self-tests, and speech-to-text through a configured
// provider. With no engine left the answer is UPSTREAM_UNAVAILABLE, never
// empty audio.
package voice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/pamerr"
)

// Audio formats.
const (
	FormatWAV = "wav"
	FormatMP3 = "mp3"
)

// ContentType returns the MIME type of an audio format.
func ContentType(format string) string {
	switch format {
	case FormatMP3:
		return "audio/mpeg"
	default:
		return "audio/wav"
	}
}

// Engine is one text-to-speech engine of the chain.
type Engine interface {
	Name() string
	// Supports reports whether the engine can produce format.
	Supports(format string) bool
	// Synthesize speaks text; voice is the caller's choice, which an engine
	// that does not know it replaces with its default.
	Synthesize(ctx context.Context, text, voice, format string) ([]byte, error)
	// Check reports whether the engine looks usable without spending money
	// (a program is installed, a key is configured).
	Check(ctx context.Context) error
}

// Config tunes the Service; zero fields take the defaults in brackets.
type Config struct {
	MaxChars      int           // longest text spoken [2000]
	CacheTTL      time.Duration // how long spoken audio is cached [24h]
	EngineTimeout time.Duration // one engine attempt [20s]
	DefaultFormat string        // [wav]
	SampleText    string        // spoken by Test ["Hello from PAM, your travel companion."]
}

func (c Config) withDefaults() Config {
	if c.MaxChars <= 0 {
		c.MaxChars = 2000
	}
	if c.CacheTTL <= 0 {
		c.CacheTTL = 24 * time.Hour
	}
	if c.EngineTimeout <= 0 {
		c.EngineTimeout = 20 * time.Second
	}
	if c.DefaultFormat == "" {
		c.DefaultFormat = FormatWAV
	}
	if c.SampleText == "" {
		c.SampleText = "Hello from PAM, your travel companion."
	}
	return c
}

// Request asks for speech. Voice and Format are optional.
type Request struct {
	Text   string `json:"text"`
	Voice  string `json:"voice,omitempty"`
	Format string `json:"format,omitempty"`
}

// Audio is spoken text.
type Audio struct {
	Data        []byte
	Format      string
	ContentType string
	Engine      string // the engine that produced it
	Cached      bool
}

// Service speaks through the engine chain and transcribes through the
// configured speech-to-text provider. Safe for concurrent use.
type Service struct {
	cfg     Config
	engines []Engine
	cache   cache.Cache
	stt     Transcriber
	log     *slog.Logger

	mu     sync.Mutex
	health map[string]*engineHealth
}

type engineHealth struct {
	lastOK, lastFail time.Time
	lastError        string
	ok, failed       int64
}

// New returns a Service trying engines in order. c may be nil (no caching);
// stt may be nil (the client is told to use the browser's recognition).
func New(cfg Config, c cache.Cache, stt Transcriber, log *slog.Logger, engines ...Engine) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg.withDefaults(), engines: engines, cache: c, stt: stt, log: log, health: map[string]*engineHealth{}}
	for _, e := range engines {
		s.health[e.Name()] = &engineHealth{}
	}
	return s
}

// MaxChars is the longest text Speak accepts.
func (s *Service) MaxChars() int { return s.cfg.MaxChars }

// Engines names the engines of the chain, in order.
func (s *Service) Engines() []string {
	out := make([]string, len(s.engines))
	for i, e := range s.engines {
		out[i] = e.Name()
	}
	return out
}

var voiceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+-]{0,39}$`)

// Validate checks and normalizes r: non-empty text of at most MaxChars
// characters, a plain voice name, a known format.
func (s *Service) Validate(r Request) (Request, error) {
	r.Text = strings.TrimSpace(r.Text)
	switch {
	case !utf8.ValidString(r.Text):
		return r, pamerr.Invalid("text", "text must be valid UTF-8")
	case r.Text == "":
		return r, pamerr.Invalid("text", "text is required")
	case utf8.RuneCountInString(r.Text) > s.cfg.MaxChars:
		return r, pamerr.New(pamerr.MessageTooLarge, "text is longer than %d characters", s.cfg.MaxChars)
	}
	if r.Voice != "" && !voiceName.MatchString(r.Voice) {
		return r, pamerr.Invalid("voice", "voice must be a plain name like alloy or en-us")
	}
	r.Format = strings.ToLower(r.Format)
	if r.Format == "" {
		r.Format = s.cfg.DefaultFormat
	}
	if r.Format != FormatWAV && r.Format != FormatMP3 {
		return r, pamerr.Invalid("format", "format must be wav or mp3")
	}
	return r, nil
}

// ErrNoEngine is wrapped by Speak's error when no engine could speak.
var ErrNoEngine = errors.New("no speech engine available")

// Speak returns r spoken by the first engine of the chain that succeeds,
// from the cache when the same (text, voice, format) was spoken before.
func (s *Service) Speak(ctx context.Context, r Request) (*Audio, error) {
	r, err := s.Validate(r)
	if err != nil {
		return nil, err
	}
	key := cacheKey(r)
	if a := s.cached(ctx, key, r.Format); a != nil {
		return a, nil
	}
	var errs []error
	for _, e := range s.engines {
		if !e.Supports(r.Format) {
			continue
		}
		data, err := s.attempt(ctx, e, r)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Name(), err))
			s.log.Warn("speech engine failed, trying the next", "engine", e.Name(), "error", err)
			continue
		}
		a := &Audio{Data: data, Format: r.Format, ContentType: ContentType(r.Format), Engine: e.Name()}
		s.store(ctx, key, a)
		return a, nil
	}
	cause := errors.Join(append([]error{ErrNoEngine}, errs...)...)
	return nil, pamerr.Wrap(cause, pamerr.UpstreamUnavailable,
		fmt.Sprintf("Speech is not available right now (no %s voice engine is working).", r.Format))
}

func (s *Service) attempt(ctx context.Context, e Engine, r Request) ([]byte, error) {
	actx, cancel := context.WithTimeout(ctx, s.cfg.EngineTimeout)
	defer cancel()
	data, err := e.Synthesize(actx, r.Text, r.Voice, r.Format)
	if err == nil && len(data) == 0 {
		err = errors.New("engine returned empty audio")
	}
	if err == nil && r.Format == FormatWAV {
		data, err = FixWAV(data)
	}
	s.record(e.Name(), err)
	return data, err
}

func (s *Service) record(engine string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.health[engine]
	if h == nil {
		return
	}
	now := time.Now()
	if err != nil {
		h.failed++
		h.lastFail, h.lastError = now, err.Error()
		return
	}
	h.ok++
	h.lastOK = now
}

func cacheKey(r Request) string {
	sum := sha256.Sum256([]byte(r.Format + "\x00" + r.Voice + "\x00" + r.Text))
	return CachePrefix + hex.EncodeToString(sum[:])
}

// ClearCache drops every cached recording.
func (s *Service) ClearCache(ctx context.Context) error {
	if s.cache == nil {
		return nil
	}
	return s.cache.DeletePrefix(ctx, CachePrefix)
}

// CachePrefix starts every cache key of spoken audio.
const CachePrefix = "tts:"

// cached values are the engine name, a newline, then the audio.
func (s *Service) cached(ctx context.Context, key, format string) *Audio {
	if s.cache == nil {
		return nil
	}
	v, ok, err := s.cache.Get(ctx, key)
	if err != nil || !ok {
		return nil
	}
	engine, data, found := strings.Cut(string(v), "\n")
	if !found || data == "" {
		return nil
	}
	return &Audio{Data: []byte(data), Format: format, ContentType: ContentType(format), Engine: engine, Cached: true}
}

func (s *Service) store(ctx context.Context, key string, a *Audio) {
	if s.cache == nil {
		return
	}
	v := make([]byte, 0, len(a.Engine)+1+len(a.Data))
	v = append(append(append(v, a.Engine...), '\n'), a.Data...)
	if err := s.cache.Set(ctx, key, v, s.cfg.CacheTTL); err != nil {
		s.log.Warn("speech cache write failed", "error", err)
	}
}
