package voice

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/openai/openai-go/v3"

	"github.com/pamtravel/pam/internal/pamerr"
)

// Transcriber turns recorded speech into text.
type Transcriber interface {
	Name() string
	Transcribe(ctx context.Context, audio io.Reader, filename, contentType, language string) (string, error)
}

// Transcript is the answer of POST /api/v1/voice/transcribe.
type Transcript struct {
	Available bool   `json:"available"`          // false: no server-side provider
	Text      string `json:"text"`               // what was said
	Provider  string `json:"provider,omitempty"` // who transcribed it
	// Fallback is "browser" when the client should use the browser's own
	// speech recognition instead.
	Fallback string `json:"fallback,omitempty"`
	Message  string `json:"message,omitempty"`
}

// CanTranscribe reports whether a speech-to-text provider is configured.
func (s *Service) CanTranscribe() bool { return s.stt != nil }

// BrowserFallback is the answer when no provider is configured.
func BrowserFallback() Transcript {
	return Transcript{Available: false, Fallback: "browser",
		Message: "Server speech recognition is not configured; use the browser's speech recognition (Web Speech API) instead."}
}

// Transcribe sends audio to the configured provider.
func (s *Service) Transcribe(ctx context.Context, audio io.Reader, filename, contentType, language string) (Transcript, error) {
	if s.stt == nil {
		return BrowserFallback(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*s.cfg.EngineTimeout)
	defer cancel()
	text, err := s.stt.Transcribe(ctx, audio, filename, contentType, language)
	if err != nil {
		return Transcript{}, pamerr.Wrap(err, pamerr.UpstreamUnavailable, "Speech recognition is not available right now; try the browser's own recognition.")
	}
	return Transcript{Available: true, Text: text, Provider: s.stt.Name()}, nil
}

// OpenAITranscriber transcribes with OpenAI's /v1/audio/transcriptions.
type OpenAITranscriber struct {
	cfg    OpenAIConfig
	client openai.Client
}

// NewOpenAITranscriber returns the OpenAI speech-to-text provider.
func NewOpenAITranscriber(cfg OpenAIConfig) *OpenAITranscriber {
	if cfg.Model == "" {
		cfg.Model = openai.AudioModelGPTTranscribe
	}
	return &OpenAITranscriber{cfg: cfg, client: cfg.client()}
}

// Name implements Transcriber.
func (t *OpenAITranscriber) Name() string { return "openai" }

// Transcribe implements Transcriber.
func (t *OpenAITranscriber) Transcribe(ctx context.Context, audio io.Reader, filename, contentType, language string) (string, error) {
	if t.cfg.APIKey == "" {
		return "", errors.New("openai transcription: no API key configured")
	}
	p := openai.AudioTranscriptionNewParams{File: openai.File(audio, filename, contentType), Model: t.cfg.Model}
	if language != "" {
		p.Language = openai.String(language)
	}
	res, err := t.client.Audio.Transcriptions.New(ctx, p)
	if err != nil {
		return "", fmt.Errorf("openai transcription: %w", err)
	}
	return res.Text, nil
}
