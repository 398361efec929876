// Package openai is the OpenAI provider: it implements llm.Model on the Chat
// Completions API with the official Go SDK, for OpenAI itself
// ("openai:MODEL") and for OpenAI-compatible servers such as vLLM, Ollama or
// LM Studio ("openai-compatible:MODEL"). Tools travel as functions; streamed
// tool-call arguments are reassembled from their fragments by index. It makes
// one HTTP attempt per call: retries, timeouts and breakers belong to
// llm.Resilient.
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/pamtravel/pam/internal/llm"
)

// DefaultMaxTokens is the answer budget when neither Config nor Request sets one.
const DefaultMaxTokens = 2048

// Config configures the provider.
type Config struct {
	// Provider is llm.ProviderOpenAI (default) or llm.ProviderOpenAICompatible.
	Provider   string
	APIKey     string       // required for OpenAI, optional for compatible servers
	Model      string       // e.g. "gpt-4.1-mini"
	BaseURL    string       // ending in /v1; required for compatible servers
	MaxTokens  int          // default answer budget; 0 means DefaultMaxTokens
	HTTPClient *http.Client // nil means http.DefaultClient
}

// Model is a chat model behind the Chat Completions API.
type Model struct {
	client     openai.Client
	provider   string
	model      string
	maxTokens  int
	compatible bool
}

var _ llm.Model = (*Model)(nil)

// New returns the provider for cfg.
func New(cfg Config) (*Model, error) {
	if cfg.Provider == "" {
		cfg.Provider = llm.ProviderOpenAI
	}
	compatible := cfg.Provider == llm.ProviderOpenAICompatible
	switch {
	case cfg.Provider != llm.ProviderOpenAI && !compatible:
		return nil, fmt.Errorf("openai: unknown provider %q", cfg.Provider)
	case cfg.Model == "":
		return nil, errors.New("openai: model is required")
	case !compatible && cfg.APIKey == "":
		return nil, errors.New("openai: API key is required")
	case compatible && cfg.BaseURL == "":
		return nil, errors.New("openai-compatible: base URL is required (ending in /v1)")
	}
	opts := []option.RequestOption{
		option.WithAPIKey(cfg.APIKey), // overrides OPENAI_API_KEY: configuration comes from PAM's config
		option.WithMaxRetries(0),      // llm.Resilient owns retries
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
	return &Model{client: openai.NewClient(opts...), provider: cfg.Provider, model: cfg.Model, maxTokens: maxTokens, compatible: compatible}, nil
}

// Name is "openai:MODEL" or "openai-compatible:MODEL".
func (m *Model) Name() string { return m.provider + ":" + m.model }

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
		c, err := m.client.Chat.Completions.New(ctx, params, opts...)
		if err != nil {
			return nil, m.classify(err)
		}
		if len(c.Choices) == 0 {
			return nil, &llm.ProviderError{Provider: m.Name(), Kind: llm.KindMalformed, Err: errors.New("answer has no choices")}
		}
		msg := c.Choices[0].Message
		var calls []toolCall
		for _, tc := range msg.ToolCalls {
			calls = append(calls, toolCall{id: tc.ID, name: tc.Function.Name, args: tc.Function.Arguments})
		}
		return m.response(msg.Content, calls, c.Choices[0].FinishReason, c.Usage)
	}
	return m.stream(ctx, params, opts, onDelta)
}

// toolCall is a tool call as it is reassembled.
type toolCall struct {
	id, name, args string
}

// stream runs a streamed call. Tool-call fragments carry an index: the first
// fragment of a call brings its id and name, the next ones pieces of its
// arguments.
func (m *Model) stream(ctx context.Context, params openai.ChatCompletionNewParams, opts []option.RequestOption, onDelta llm.DeltaFunc) (*llm.Response, error) {
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := m.client.Chat.Completions.NewStreaming(ctx, params, opts...)
	defer s.Close()
	var (
		text   strings.Builder
		calls  = map[int64]*toolCall{}
		finish string
		usage  openai.CompletionUsage
	)
	for s.Next() {
		chunk := s.Current()
		if chunk.JSON.Usage.Valid() {
			usage = chunk.Usage
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if ch.Delta.Content != "" {
				text.WriteString(ch.Delta.Content)
				onDelta(ch.Delta.Content)
			}
			for _, d := range ch.Delta.ToolCalls {
				tc := calls[d.Index]
				if tc == nil {
					tc = &toolCall{}
					calls[d.Index] = tc
				}
				if d.ID != "" {
					tc.id = d.ID
				}
				if tc.name == "" {
					tc.name = d.Function.Name // sent once, with the first fragment
				}
				tc.args += d.Function.Arguments
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
	if err := s.Err(); err != nil {
		return nil, m.classify(err)
	}
	if finish == "" {
		return nil, &llm.ProviderError{Provider: m.Name(), Kind: llm.KindStreamCut, Err: errors.New("stream ended without a finish_reason")}
	}
	indexes := make([]int64, 0, len(calls))
	for i := range calls {
		indexes = append(indexes, i)
	}
	sort.Slice(indexes, func(a, b int) bool { return indexes[a] < indexes[b] })
	ordered := make([]toolCall, 0, len(calls))
	for _, i := range indexes {
		ordered = append(ordered, *calls[i])
	}
	return m.response(text.String(), ordered, finish, usage)
}

// classify maps an SDK error to an *llm.ProviderError.
func (m *Model) classify(err error) error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		var h http.Header
		if apiErr.Response != nil {
			h = apiErr.Response.Header
		}
		return llm.StatusError(m.Name(), apiErr.StatusCode, h, apiErr.Type, err)
	}
	return llm.TransportError(m.Name(), err)
}

// params converts req to the SDK's request. The system prompt and the user
// context travel as two system messages, in that order, so the stable
// prefix stays cacheable.
func (m *Model) params(req *llm.Request) (openai.ChatCompletionNewParams, error) {
	maxTokens := m.maxTokens
	if req.MaxTokens > 0 {
		maxTokens = req.MaxTokens
	}
	p := openai.ChatCompletionNewParams{Model: shared.ChatModel(m.model)}
	if m.compatible {
		p.MaxTokens = openai.Int(int64(maxTokens)) // what most compatible servers understand
	} else {
		p.MaxCompletionTokens = openai.Int(int64(maxTokens))
	}
	if req.System != "" {
		p.Messages = append(p.Messages, openai.SystemMessage(req.System))
	}
	if req.Context != "" {
		p.Messages = append(p.Messages, openai.SystemMessage(req.Context))
	}
	for _, t := range req.Tools {
		fn := shared.FunctionDefinitionParam{Name: t.Name}
		if t.Description != "" {
			fn.Description = openai.String(t.Description)
		}
		if len(t.Parameters) > 0 {
			var schema shared.FunctionParameters
			if err := json.Unmarshal(t.Parameters, &schema); err != nil {
				return p, fmt.Errorf("tool %s: parameters: %w", t.Name, err)
			}
			fn.Parameters = schema
		}
		p.Tools = append(p.Tools, openai.ChatCompletionFunctionTool(fn))
	}
	for i, msg := range req.Messages {
		ms, err := messageParams(msg)
		if err != nil {
			return p, fmt.Errorf("message %d: %w", i, err)
		}
		p.Messages = append(p.Messages, ms...)
	}
	return p, nil
}

// messageParams converts one message. A user message's tool results become
// tool messages, placed first so they follow the assistant's tool calls.
func messageParams(msg llm.Message) ([]openai.ChatCompletionMessageParamUnion, error) {
	var (
		out  []openai.ChatCompletionMessageParamUnion
		text strings.Builder
	)
	switch msg.Role {
	case llm.RoleUser:
		for _, b := range msg.Content {
			switch b.Type {
			case llm.BlockText:
				text.WriteString(b.Text)
			case llm.BlockToolResult:
				content := b.Text
				if b.IsError {
					content = "ERROR: " + content
				}
				out = append(out, openai.ToolMessage(content, b.ToolUseID))
			default:
				return nil, fmt.Errorf("block type %q in a user message", b.Type)
			}
		}
		if text.Len() > 0 {
			out = append(out, openai.UserMessage(text.String()))
		}
	case llm.RoleAssistant:
		var a openai.ChatCompletionAssistantMessageParam
		for _, b := range msg.Content {
			switch b.Type {
			case llm.BlockText:
				text.WriteString(b.Text)
			case llm.BlockToolUse:
				args := string(b.Input)
				if args == "" {
					args = "{}"
				}
				a.ToolCalls = append(a.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
					OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
						ID:       b.ToolUseID,
						Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: b.ToolName, Arguments: args},
					},
				})
			default:
				return nil, fmt.Errorf("block type %q in an assistant message", b.Type)
			}
		}
		if text.Len() > 0 {
			a.Content.OfString = openai.String(text.String())
		}
		out = append(out, openai.ChatCompletionMessageParamUnion{OfAssistant: &a})
	default:
		return nil, fmt.Errorf("unknown role %q", msg.Role)
	}
	return out, nil
}

// response builds the llm.Response. Prompt tokens served from OpenAI's cache
// are reported as CacheReadTokens and left out of InputTokens.
func (m *Model) response(text string, calls []toolCall, finish string, u openai.CompletionUsage) (*llm.Response, error) {
	cached := int(u.PromptTokensDetails.CachedTokens)
	r := &llm.Response{
		Model: m.Name(),
		Usage: llm.Usage{
			InputTokens:     int(u.PromptTokens) - cached,
			OutputTokens:    int(u.CompletionTokens),
			CacheReadTokens: cached,
		},
	}
	if text != "" {
		r.Content = append(r.Content, llm.Block{Type: llm.BlockText, Text: text})
	}
	for _, c := range calls {
		args := c.args
		if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		if !json.Valid([]byte(args)) {
			return nil, &llm.ProviderError{Provider: m.Name(), Kind: llm.KindMalformed, Err: fmt.Errorf("tool call %s: arguments are not JSON", c.name)}
		}
		r.Content = append(r.Content, llm.Block{Type: llm.BlockToolUse, ToolUseID: c.id, ToolName: c.name, Input: json.RawMessage(args)})
	}
	switch {
	case len(calls) > 0 || finish == "tool_calls":
		r.StopReason = llm.StopToolUse
	case finish == "length":
		r.StopReason = llm.StopMaxTokens
	default:
		r.StopReason = llm.StopEnd
	}
	return r, nil
}
