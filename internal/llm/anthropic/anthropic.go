// Package anthropic is the Claude provider: it implements llm.Model on
// Anthropic's Messages API with the official Go SDK — cached system prompt,
// tools, tool_use/tool_result blocks, streaming and usage. It makes exactly
// one HTTP attempt per call: retries, timeouts and breakers belong to
// llm.Resilient.
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/pamtravel/pam/internal/llm"
)

// DefaultMaxTokens is the answer budget when neither Config nor Request sets one.
const DefaultMaxTokens = 2048

// Config configures the provider.
type Config struct {
	APIKey     string
	Model      string       // e.g. "claude-sonnet-4-5"
	BaseURL    string       // a host root as the SDK takes it; empty means Anthropic's
	MaxTokens  int          // default answer budget; 0 means DefaultMaxTokens
	HTTPClient *http.Client // nil means http.DefaultClient
}

// Model is Claude behind the Messages API.
type Model struct {
	client    anthropic.Client
	model     string
	maxTokens int
}

var _ llm.Model = (*Model)(nil)

// New returns the provider for cfg.
func New(cfg Config) (*Model, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("anthropic: API key is required")
	}
	if cfg.Model == "" {
		return nil, errors.New("anthropic: model is required")
	}
	opts := []option.RequestOption{
		// Configuration comes from PAM's config, never from ambient ANTHROPIC_* variables.
		option.WithoutEnvironmentDefaults(),
		option.WithAPIKey(cfg.APIKey),
		option.WithMaxRetries(0), // llm.Resilient owns retries
	}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	maxTokens := cfg.MaxTokens
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	return &Model{client: anthropic.NewClient(opts...), model: cfg.Model, maxTokens: maxTokens}, nil
}

// Name is "anthropic:MODEL".
func (m *Model) Name() string { return llm.ProviderAnthropic + ":" + m.model }

// Generate sends req; with onDelta it streams and passes each text fragment on.
func (m *Model) Generate(ctx context.Context, req *llm.Request, onDelta llm.DeltaFunc) (*llm.Response, error) {
	params, err := m.params(req)
	if err != nil {
		return nil, &llm.ProviderError{Provider: m.Name(), Kind: llm.KindBadRequest, Err: err}
	}
	var opts []option.RequestOption
	if req.RequestID != "" {
		opts = append(opts, option.WithHeader("X-Request-ID", req.RequestID))
	}
	if onDelta == nil {
		msg, err := m.client.Messages.New(ctx, params, opts...)
		if err != nil {
			return nil, m.classify(err)
		}
		return m.response(msg)
	}
	return m.stream(ctx, params, opts, onDelta)
}

// stream runs a streamed call, accumulating the message and passing text on.
func (m *Model) stream(ctx context.Context, params anthropic.MessageNewParams, opts []option.RequestOption, onDelta llm.DeltaFunc) (*llm.Response, error) {
	s := m.client.Messages.NewStreaming(ctx, params, opts...)
	defer s.Close()
	var msg anthropic.Message
	stopped := false
	for s.Next() {
		ev := s.Current()
		if err := msg.Accumulate(ev); err != nil {
			return nil, &llm.ProviderError{Provider: m.Name(), Kind: llm.KindMalformed, Err: fmt.Errorf("accumulate stream: %w", err)}
		}
		switch ev.Type {
		case "content_block_delta":
			if ev.Delta.Type == "text_delta" && ev.Delta.Text != "" {
				onDelta(ev.Delta.Text)
			}
		case "message_stop":
			stopped = true
		}
	}
	if err := s.Err(); err != nil {
		return nil, m.classify(err)
	}
	if !stopped {
		return nil, &llm.ProviderError{Provider: m.Name(), Kind: llm.KindStreamCut, Err: errors.New("stream ended before message_stop")}
	}
	return m.response(&msg)
}

// classify maps an SDK error to an *llm.ProviderError.
func (m *Model) classify(err error) error {
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		var h http.Header
		if apiErr.Response != nil {
			h = apiErr.Response.Header
		}
		return llm.StatusError(m.Name(), apiErr.StatusCode, h, string(apiErr.Type()), err)
	}
	return llm.TransportError(m.Name(), err)
}

// params converts req to the SDK's request.
func (m *Model) params(req *llm.Request) (anthropic.MessageNewParams, error) {
	maxTokens := m.maxTokens
	if req.MaxTokens > 0 {
		maxTokens = req.MaxTokens
	}
	p := anthropic.MessageNewParams{
		Model:     anthropic.Model(m.model),
		MaxTokens: int64(maxTokens),
	}
	if req.System != "" {
		// The system prompt is stable across turns: cache it.
		p.System = append(p.System, anthropic.TextBlockParam{Text: req.System, CacheControl: anthropic.NewCacheControlEphemeralParam()})
	}
	if req.Context != "" {
		// The user context changes every turn; it follows the cache breakpoint.
		p.System = append(p.System, anthropic.TextBlockParam{Text: req.Context})
	}
	for _, t := range req.Tools {
		tool, err := toolParam(t)
		if err != nil {
			return p, err
		}
		p.Tools = append(p.Tools, anthropic.ToolUnionParam{OfTool: tool})
	}
	for i, msg := range req.Messages {
		mp, err := messageParam(msg)
		if err != nil {
			return p, fmt.Errorf("message %d: %w", i, err)
		}
		p.Messages = append(p.Messages, mp)
	}
	return p, nil
}

func toolParam(t llm.ToolDef) (*anthropic.ToolParam, error) {
	schema := map[string]any{}
	if len(t.Parameters) > 0 {
		if err := json.Unmarshal(t.Parameters, &schema); err != nil {
			return nil, fmt.Errorf("tool %s: parameters: %w", t.Name, err)
		}
	}
	in := anthropic.ToolInputSchemaParam{Properties: schema["properties"]}
	if req, ok := schema["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok {
				in.Required = append(in.Required, s)
			}
		}
	}
	for k, v := range schema {
		if k == "properties" || k == "required" || k == "type" {
			continue
		}
		if in.ExtraFields == nil {
			in.ExtraFields = map[string]any{}
		}
		in.ExtraFields[k] = v
	}
	tool := &anthropic.ToolParam{Name: t.Name, InputSchema: in}
	if t.Description != "" {
		tool.Description = anthropic.String(t.Description)
	}
	return tool, nil
}

func messageParam(msg llm.Message) (anthropic.MessageParam, error) {
	var blocks []anthropic.ContentBlockParamUnion
	for _, b := range msg.Content {
		switch b.Type {
		case llm.BlockText:
			if b.Text != "" {
				blocks = append(blocks, anthropic.NewTextBlock(b.Text))
			}
		case llm.BlockToolUse:
			input := b.Input
			if len(input) == 0 {
				input = json.RawMessage("{}")
			}
			blocks = append(blocks, anthropic.NewToolUseBlock(b.ToolUseID, input, b.ToolName))
		case llm.BlockToolResult:
			blocks = append(blocks, anthropic.NewToolResultBlock(b.ToolUseID, b.Text, b.IsError))
		default:
			return anthropic.MessageParam{}, fmt.Errorf("unknown block type %q", b.Type)
		}
	}
	switch msg.Role {
	case llm.RoleUser:
		return anthropic.NewUserMessage(blocks...), nil
	case llm.RoleAssistant:
		return anthropic.NewAssistantMessage(blocks...), nil
	}
	return anthropic.MessageParam{}, fmt.Errorf("unknown role %q", msg.Role)
}

// response converts the SDK's message to an llm.Response.
func (m *Model) response(msg *anthropic.Message) (*llm.Response, error) {
	r := &llm.Response{
		Model: m.Name(),
		Usage: llm.Usage{
			InputTokens:      int(msg.Usage.InputTokens),
			OutputTokens:     int(msg.Usage.OutputTokens),
			CacheReadTokens:  int(msg.Usage.CacheReadInputTokens),
			CacheWriteTokens: int(msg.Usage.CacheCreationInputTokens),
		},
	}
	for _, b := range msg.Content {
		switch b.Type {
		case "text":
			r.Content = append(r.Content, llm.Block{Type: llm.BlockText, Text: b.Text})
		case "tool_use":
			input := json.RawMessage(b.Input)
			if len(input) == 0 {
				input = json.RawMessage("{}")
			}
			if !json.Valid(input) {
				return nil, &llm.ProviderError{Provider: m.Name(), Kind: llm.KindMalformed, Err: fmt.Errorf("tool_use %s: input is not JSON", b.Name)}
			}
			r.Content = append(r.Content, llm.Block{Type: llm.BlockToolUse, ToolUseID: b.ID, ToolName: b.Name, Input: input})
		}
	}
	switch msg.StopReason {
	case anthropic.StopReasonToolUse:
		r.StopReason = llm.StopToolUse
	case anthropic.StopReasonMaxTokens:
		r.StopReason = llm.StopMaxTokens
	default:
		r.StopReason = llm.StopEnd
	}
	return r, nil
}
