// Package llm owns the provider-neutral model contract: messages, content
// blocks, tool definitions, usage, and the Model interface every provider
// (anthropic, openai, rules) implements. The resilience policy that wraps
// providers (timeouts, retries, breakers, fallback chain, cost) lives here too.
package llm

import (
	"context"
	"encoding/json"
	"time"
)

// Roles of a conversation message sent to a model.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Block types.
const (
	BlockText       = "text"
	BlockToolUse    = "tool_use"
	BlockToolResult = "tool_result"
)

// Block is one piece of a message: text, a tool call (tool_use) or a tool's answer (tool_result).
type Block struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`        // text; tool_result content
	ToolUseID string          `json:"tool_use_id,omitempty"` // tool_use id / the id a tool_result answers
	ToolName  string          `json:"tool_name,omitempty"`   // tool_use
	Input     json.RawMessage `json:"input,omitempty"`       // tool_use arguments (a JSON object)
	IsError   bool            `json:"is_error,omitempty"`    // tool_result
}

// Message is a turn of the conversation as a model sees it.
type Message struct {
	Role    string  `json:"role"`
	Content []Block `json:"content"`
}

// Text returns the concatenated text blocks of m.
func (m Message) Text() string {
	var s string
	for _, b := range m.Content {
		if b.Type == BlockText {
			s += b.Text
		}
	}
	return s
}

// ToolDef is a tool offered to a model: canonical name, description, JSON Schema of the arguments.
type ToolDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// Request is one model call.
type Request struct {
	System    string    // the hardened system prompt (cacheable, stable across turns)
	Context   string    // the fenced user-context block (time, location, units…), sent after System
	Messages  []Message // history then the new user message, ending with user or tool results
	Tools     []ToolDef
	MaxTokens int
	RequestID string // travels to the provider as a header
	UserID    string
	User      UserContext // structured facts behind Context (the rules brain reads these)
}

// UserContext is what PAM knows about the user for this turn. The agent renders
// it into Request.Context for language models; the rules brain reads it directly.
type UserContext struct {
	Now      time.Time // in the user's time zone
	TimeZone string
	Units    string // "imperial" or "metric"
	Currency string // ISO 4217
	Language string
	Location *Position // best known position, nil when unknown
	Vehicle  string    // e.g. "2019 Winnebago View (diesel)"
}

// Position is a location with where it came from ("gps", "last_known", "ip").
type Position struct {
	Lat, Lng float64
	Source   string
}

// Stop reasons, normalized across providers.
const (
	StopEnd       = "end_turn"
	StopToolUse   = "tool_use"
	StopMaxTokens = "max_tokens"
)

// Usage is what the provider reported.
type Usage struct {
	InputTokens      int `json:"input_tokens"`
	OutputTokens     int `json:"output_tokens"`
	CacheReadTokens  int `json:"cache_read_tokens,omitempty"`
	CacheWriteTokens int `json:"cache_write_tokens,omitempty"`
}

// Response is a model's complete answer to one Request.
type Response struct {
	Content    []Block
	StopReason string
	Usage      Usage
	Model      string   // provider:model that actually answered
	Degraded   bool     // a fallback answered, or the answer was cut short
	Notes      []string // short degradation notes for the user ("answered by the offline assistant")
}

// ToolCalls returns the tool_use blocks of r, to read: when they are all of
// its content, they are r.Content itself (no copy; its capacity cut, so an
// append copies).
func (r *Response) ToolCalls() []Block {
	n := 0
	for _, b := range r.Content {
		if b.Type == BlockToolUse {
			n++
		}
	}
	if n == len(r.Content) && n > 0 {
		return r.Content[:n:n]
	}
	var calls []Block
	for _, b := range r.Content {
		if b.Type == BlockToolUse {
			calls = append(calls, b)
		}
	}
	return calls
}

// Text returns the concatenated text of r.
func (r *Response) Text() string { return Message{Content: r.Content}.Text() }

// DeltaFunc receives streamed text as it arrives; nil means do not stream.
type DeltaFunc func(text string)

// Model is a language model (or the rules brain) that can call tools.
type Model interface {
	// Name is "provider:model", e.g. "anthropic:claude-sonnet-4-5" or "rules".
	Name() string
	// Generate answers req. When onDelta is not nil the provider streams and
	// calls it with each text fragment before returning the complete Response.
	Generate(ctx context.Context, req *Request, onDelta DeltaFunc) (*Response, error)
}
