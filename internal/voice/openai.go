package voice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// maxAudio bounds audio read from a provider.
const maxAudio = 32 << 20

// OpenAIConfig configures the OpenAI speech engine and transcriber.
type OpenAIConfig struct {
	APIKey     string
	BaseURL    string // ending in /v1; empty is OpenAI's
	Model      string // speech model [gpt-4o-mini-tts]; for the transcriber [gpt-transcribe]
	Voice      string // default voice [alloy]
	HTTPClient *http.Client
}

func (c OpenAIConfig) client() openai.Client {
	opts := []option.RequestOption{option.WithAPIKey(c.APIKey), option.WithMaxRetries(0)}
	if c.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(c.BaseURL))
	}
	if c.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(c.HTTPClient))
	}
	return openai.NewClient(opts...)
}

// OpenAI speaks through OpenAI's /v1/audio/speech with the official SDK.
// Retries are the chain's job: a failure falls through to the next engine.
type OpenAI struct {
	cfg    OpenAIConfig
	client openai.Client
}

// NewOpenAI returns the OpenAI speech engine.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	if cfg.Model == "" {
		// Every speech model the SDK lists is announced for shutdown
		// (gpt-4o-mini-tts on 2027-01-06); PAM_OPENAI_TTS_MODEL picks its successor.
		cfg.Model = "gpt-4o-mini-tts"
	}
	if cfg.Voice == "" {
		cfg.Voice = "alloy"
	}
	return &OpenAI{cfg: cfg, client: cfg.client()}
}

// Name implements Engine.
func (o *OpenAI) Name() string { return "openai" }

// Supports implements Engine.
func (o *OpenAI) Supports(format string) bool { return format == FormatWAV || format == FormatMP3 }

// Check implements Engine: a key must be configured (a real call would cost money).
func (o *OpenAI) Check(context.Context) error {
	if o.cfg.APIKey == "" {
		return errors.New("no API key configured")
	}
	return nil
}

var openAIVoices = map[string]bool{"alloy": true, "ash": true, "ballad": true, "coral": true, "echo": true, "fable": true,
	"onyx": true, "nova": true, "sage": true, "shimmer": true, "verse": true, "marin": true, "cedar": true}

// Synthesize implements Engine.
func (o *OpenAI) Synthesize(ctx context.Context, text, voice, format string) ([]byte, error) {
	if !openAIVoices[voice] {
		voice = o.cfg.Voice
	}
	resp, err := o.client.Audio.Speech.New(ctx, openai.AudioSpeechNewParams{
		Input:          text,
		Model:          o.cfg.Model,
		Voice:          openai.AudioSpeechNewParamsVoiceUnion{OfString: openai.String(voice)},
		ResponseFormat: openai.AudioSpeechNewParamsResponseFormat(format),
	})
	if err != nil {
		return nil, fmt.Errorf("openai speech: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAudio+1))
	if err != nil {
		return nil, fmt.Errorf("openai speech: read audio: %w", err)
	}
	if len(data) > maxAudio {
		return nil, errors.New("openai speech: audio larger than 32 MiB")
	}
	return data, nil
}
