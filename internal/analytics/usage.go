package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/store"
)

// UsageDay is one UTC day of the admin usage view.
type UsageDay struct {
	Day          string         `json:"day"` // 2006-01-02, UTC
	Turns        int            `json:"turns"`
	FailedTurns  int            `json:"failed_turns"`
	Replies      int            `json:"replies"`
	Degraded     int            `json:"degraded"`
	Models       map[string]int `json:"models"` // replies per model
	ToolCalls    int            `json:"tool_calls"`
	ToolFailures int            `json:"tool_failures"`
	Tools        map[string]int `json:"tools"`         // calls per tool
	ClientEvents map[string]int `json:"client_events"` // per event name
	Tokens       llm.Usage      `json:"tokens"`
	CostUSD      string         `json:"cost_usd"` // model cost from recorded token usage
	cost         decimal.Decimal
}

// replyMeta is the part of a reply's meta that carries token usage.
type replyMeta struct {
	Usage *llm.Usage `json:"usage"`
}

// Usage aggregates turns, replies by model, tool calls and client events per
// UTC day over the last days (today included), oldest first. Cost comes from
// token usage recorded in a reply's meta ("usage"); replies without it cost 0.
func (s *Service) Usage(ctx context.Context, days int) ([]UsageDay, error) {
	now := s.cfg.Now().UTC()
	first := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-days)
	byDay := map[string]*UsageDay{}
	var order []string
	for d := first; !d.After(now); d = d.AddDate(0, 0, 1) {
		k := d.Format("2006-01-02")
		byDay[k] = &UsageDay{Day: k, Models: map[string]int{}, Tools: map[string]int{}, ClientEvents: map[string]int{}}
		order = append(order, k)
	}
	err := s.st.ScanUsage(ctx, first, time.Time{}, func(f store.UsageFact) error {
		d := byDay[f.At.UTC().Format("2006-01-02")]
		if d == nil {
			return nil
		}
		switch f.Kind {
		case store.UsageTurn:
			d.Turns++
			if f.Failed {
				d.FailedTurns++
			}
		case store.UsageReply:
			d.Replies++
			d.Models[f.Name]++
			if f.Failed {
				d.Degraded++
			}
			var m replyMeta
			if len(f.Meta) > 0 && json.Unmarshal(f.Meta, &m) == nil && m.Usage != nil {
				d.Tokens.InputTokens += m.Usage.InputTokens
				d.Tokens.OutputTokens += m.Usage.OutputTokens
				d.Tokens.CacheReadTokens += m.Usage.CacheReadTokens
				d.Tokens.CacheWriteTokens += m.Usage.CacheWriteTokens
				d.cost = d.cost.Add(llm.CostOf(f.Name, *m.Usage))
			}
		case store.UsageTool:
			d.ToolCalls++
			d.Tools[f.Name]++
			if f.Failed {
				d.ToolFailures++
			}
		case store.UsageClient:
			d.ClientEvents[f.Name]++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("usage: %w", err)
	}
	sort.Strings(order)
	out := make([]UsageDay, 0, len(order))
	for _, k := range order {
		d := byDay[k]
		d.CostUSD = d.cost.StringFixed(6)
		out = append(out, *d)
	}
	return out, nil
}
