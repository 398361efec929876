package llm

import (
	"strings"
	"unicode/utf8"
)

// Token estimation heuristic. Claude's tokenizer averages about 3.5
// characters of English per token, OpenAI's o200k about 4; we divide by 3.5
// for both so the estimate errs high and the agent's 75 %/90 % context rules
// fire a little early rather than late. Each message adds 4 tokens of framing,
// each tool definition 10 plus its JSON, and a request 10 more.
const (
	charsPerToken    = 3.5
	perMessageTokens = 4
	perToolTokens    = 10
	perRequestTokens = 10
)

// EstimateTokens estimates the input tokens of req (system prompt, context
// block, messages, tool definitions) with the heuristic above.
func EstimateTokens(req *Request) int {
	if req == nil {
		return 0
	}
	chars := utf8.RuneCountInString(req.System) + utf8.RuneCountInString(req.Context)
	n := perRequestTokens
	for _, m := range req.Messages {
		n += perMessageTokens
		for _, b := range m.Content {
			chars += utf8.RuneCountInString(b.Text) + utf8.RuneCount(b.Input) + len(b.ToolName) + len(b.ToolUseID)
		}
	}
	for _, t := range req.Tools {
		n += perToolTokens
		chars += len(t.Name) + utf8.RuneCountInString(t.Description) + utf8.RuneCount(t.Parameters)
	}
	return n + int(float64(chars)/charsPerToken+0.999)
}

// contextWindows maps model-id prefixes to their context window in tokens.
var contextWindows = map[string]int{
	"claude-":       200_000,
	"gpt-4.1":       1_047_576,
	"gpt-4o":        128_000,
	"gpt-5":         400_000,
	"o3":            200_000,
	"o4-mini":       200_000,
	"rules":         1 << 20, // the rules brain reads only the last message
	"gpt-4-turbo":   128_000,
	"gpt-3.5-turbo": 16_385,
}

// DefaultContextWindow is assumed for a model the table does not know
// (typically a local OpenAI-compatible model): small, so history is
// summarized early rather than rejected by the server.
const DefaultContextWindow = 32_768

// ContextWindow returns the context window of model ("provider:model" or a
// bare id) in tokens, DefaultContextWindow when unknown.
func ContextWindow(model string) int {
	id := modelID(model)
	best, n := "", DefaultContextWindow
	for k, v := range contextWindows {
		if strings.HasPrefix(id, k) && len(k) > len(best) {
			best, n = k, v
		}
	}
	return n
}
