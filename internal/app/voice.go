package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/pamtravel/pam/internal/analytics"
	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/httpapi"
	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/voice"
)

// opsParts are the speech and savings-analytics services (issue 9).
type opsParts struct {
	voice     *voice.Service
	analytics *analytics.Service
}

// TypeCelebration is the durable frame sent when a month's savings pass the
// celebration threshold: {type, seq, month, saved, threshold, subscription_price, message}.
const TypeCelebration = "celebration"

// buildOps builds speech and savings analytics. It runs before the tools, which
// record savings through analytics' watch, and before delivery, whose hub
// carries celebrations (looked up when one is sent).
func (c *components) buildOps(cfg *config.Config) {
	vc := cfg.Voice
	price := money.New(vc.Price, vc.PriceCurrency)
	if vc.PriceCurrency == "" { // a Config built without Load
		price = money.MustParse("9.99", "USD")
	}
	c.ops.analytics = analytics.New(c.store, analytics.Config{SubscriptionPrice: price, CelebrateAt: vc.CelebrateAt},
		analytics.NotifierFunc(c.celebrate), c.log)
	c.ops.voice = buildVoice(cfg, c)
}

func buildVoice(cfg *config.Config, c *components) *voice.Service {
	vc := cfg.Voice
	oa := voice.OpenAIConfig{APIKey: vc.TTSAPIKey, BaseURL: vc.TTSBaseURL, Model: vc.TTSModel, Voice: vc.TTSVoice}
	if oa.APIKey == "" {
		oa.APIKey = cfg.OpenAIAPIKey
	}
	if oa.BaseURL == "" {
		oa.BaseURL = cfg.OpenAIBaseURL
	}
	engines := vc.Engines
	if engines == nil {
		engines = []string{"openai", "espeak"}
	}
	var chain []voice.Engine
	for _, name := range engines {
		switch name {
		case "openai":
			if oa.APIKey != "" {
				chain = append(chain, voice.NewOpenAI(oa))
			}
		case "espeak":
			chain = append(chain, &voice.Espeak{Path: vc.EspeakPath})
		}
	}
	var stt voice.Transcriber
	if vc.STTModel != "" && oa.APIKey != "" {
		sc := oa
		sc.Model = vc.STTModel
		stt = voice.NewOpenAITranscriber(sc)
	}
	// Audio gets a small cache of its own: entries are large, and one
	// instance re-speaking an answer is cheap next to filling Redis with WAVs.
	audio := cache.NewMemory(cache.MemoryOptions{MaxEntries: 256, StaleFor: time.Minute})
	names := make([]string, len(chain))
	for i, e := range chain {
		names[i] = e.Name()
	}
	c.log.Info("speech", "engines", names, "transcription", stt != nil)
	return voice.New(voice.Config{MaxChars: vc.MaxChars}, audio, stt, c.log, chain...)
}

// toolStore is the store the tools write through: savings recorded there
// are checked against the celebration threshold.
func (c *components) toolStore() store.Store {
	if c.ops.analytics == nil {
		return c.store
	}
	return c.ops.analytics.Watch(c.store)
}

// celebrate stores the celebration as a durable frame on the user's stream
// and sends it to their open connections (on any instance).
func (c *components) celebrate(ctx context.Context, userID string, cel analytics.Celebration) error {
	if c.scale == nil || c.scale.hub == nil {
		return errors.New("delivery is not running")
	}
	ev, err := c.store.AppendEvent(ctx, userID, TypeCelebration, func(seq int64) (json.RawMessage, error) {
		return json.Marshal(struct {
			Type string `json:"type"`
			Seq  int64  `json:"seq"`
			analytics.Celebration
		}{TypeCelebration, seq, cel})
	})
	if err != nil {
		return err
	}
	c.scale.hub.Publish(userID, delivery.Frame{Seq: ev.Seq, Type: TypeCelebration, JSON: ev.Payload})
	return nil
}

// opsDeps are the HTTP dependencies of the voice, savings, analytics,
// feedback and operator routes.
func (c *components) opsDeps(cfg *config.Config, g *guard) httpapi.Ops {
	o := httpapi.Ops{Voice: c.ops.voice, Analytics: c.ops.analytics, Cache: c.cache,
		VoicePerMinute: cfg.Voice.PerMinute, EventsPerMinute: cfg.Voice.EventsPerMin, MaxAudioBytes: int64(cfg.Voice.MaxAudioBytes)}
	if g != nil && g.abuse != nil {
		o.Abuse = g.abuse
	}
	if c.external != nil && c.external.Weather != nil {
		o.WarmWeather = c.external.Weather.Warm
	}
	return o
}
