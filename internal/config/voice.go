package config

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// VoiceConfig holds the settings of speech, savings analytics and client
// analytics (issue 9).
type VoiceConfig struct {
	Engines       []string // text-to-speech chain, in order: openai, espeak
	TTSAPIKey     string   // OpenAI key for speech; empty uses OPENAI_API_KEY
	TTSBaseURL    string   // OpenAI-compatible base URL ending in /v1; empty uses PAM_OPENAI_BASE_URL
	TTSModel      string
	TTSVoice      string
	STTModel      string // speech-to-text model (e.g. whisper-1); empty: the browser recognises
	EspeakPath    string
	MaxChars      int
	PerMinute     int // speak/transcribe requests a minute per user
	EventsPerMin  int // analytics event posts a minute per user
	MaxAudioBytes int
	Price         decimal.Decimal // subscription price a month, for the savings guarantee
	PriceCurrency string
	CelebrateAt   decimal.Decimal // month's savings that trigger a celebration; zero = the price
}

func decimalSetting(p func(*Config) *decimal.Decimal, allowEmpty bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" && allowEmpty {
			return nil
		}
		d, err := decimal.NewFromString(v)
		if err != nil || d.IsNegative() || d.Exponent() < -2 {
			return fmt.Errorf("must be an amount like 9.99, got %q", v)
		}
		*p(c) = d
		return nil
	}
}

var voiceSettings = []setting{
	{"tts-engines", "PAM_TTS_ENGINES", "openai,espeak", "text-to-speech engines in fallback order (openai needs a key)", func(c *Config, v string) error {
		c.Voice.Engines = nil
		for _, e := range strings.Split(v, ",") {
			switch e = strings.TrimSpace(e); e {
			case "openai", "espeak":
				c.Voice.Engines = append(c.Voice.Engines, e)
			case "":
			default:
				return fmt.Errorf("engines are openai and espeak, got %q", e)
			}
		}
		return nil
	}},
	{"openai-tts-api-key", "PAM_OPENAI_TTS_API_KEY", "", "OpenAI key for speech (default OPENAI_API_KEY)", str(func(c *Config) *string { return &c.Voice.TTSAPIKey })},
	{"openai-tts-url", "PAM_OPENAI_TTS_URL", "", "OpenAI-compatible speech base URL ending in /v1 (default PAM_OPENAI_BASE_URL)", str(func(c *Config) *string { return &c.Voice.TTSBaseURL })},
	{"openai-tts-model", "PAM_OPENAI_TTS_MODEL", "gpt-4o-mini-tts", "OpenAI speech model", str(func(c *Config) *string { return &c.Voice.TTSModel })},
	{"openai-tts-voice", "PAM_OPENAI_TTS_VOICE", "alloy", "OpenAI default voice", str(func(c *Config) *string { return &c.Voice.TTSVoice })},
	{"stt-model", "PAM_STT_MODEL", "", "OpenAI speech-to-text model, e.g. gpt-transcribe (empty: the browser recognises speech)", str(func(c *Config) *string { return &c.Voice.STTModel })},
	{"espeak-path", "PAM_ESPEAK_PATH", "espeak-ng", "the espeak-ng program", str(func(c *Config) *string { return &c.Voice.EspeakPath })},
	{"voice-max-chars", "PAM_VOICE_MAX_CHARS", "2000", "longest text spoken", integer(func(c *Config) *int { return &c.Voice.MaxChars }, 1)},
	{"limit-voice-per-min", "PAM_LIMIT_VOICE_PER_MIN", "10", "speech requests a minute per user", integer(func(c *Config) *int { return &c.Voice.PerMinute }, 1)},
	{"limit-events-per-min", "PAM_LIMIT_EVENTS_PER_MIN", "60", "analytics event posts a minute per user", integer(func(c *Config) *int { return &c.Voice.EventsPerMin }, 1)},
	{"voice-max-audio-bytes", "PAM_VOICE_MAX_AUDIO_BYTES", "10485760", "largest audio upload to transcribe", integer(func(c *Config) *int { return &c.Voice.MaxAudioBytes }, 1024)},
	{"subscription-price", "PAM_SUBSCRIPTION_PRICE", "9.99", "monthly price the savings guarantee compares against", decimalSetting(func(c *Config) *decimal.Decimal { return &c.Voice.Price }, false)},
	{"subscription-currency", "PAM_SUBSCRIPTION_CURRENCY", "USD", "currency of the subscription price", func(c *Config, v string) error {
		if len(v) != 3 || strings.ToUpper(v) != v {
			return fmt.Errorf("must be an ISO 4217 code like USD, got %q", v)
		}
		c.Voice.PriceCurrency = v
		return nil
	}},
	{"savings-celebrate-at", "PAM_SAVINGS_CELEBRATE_AT", "", "month's savings that trigger a celebration (default: the subscription price)", decimalSetting(func(c *Config) *decimal.Decimal { return &c.Voice.CelebrateAt }, true)},
}

func init() { settings = append(settings, voiceSettings...) }
