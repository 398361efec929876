package rules

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/money"
)

// toolResult is the JSON of tools.Result as a tool_result block carries it,
// but for its data: a result with a summary is answered without it, so the
// data is decoded (see resultData) only when needed.
type toolResult struct {
	Status     string `json:"status"`
	Summary    string `json:"summary"`
	Error      string `json:"error"`
	Stale      bool   `json:"stale"`
	Disclaimer string `json:"disclaimer"`
	Partial    bool   `json:"partial"`
}

// maxReply bounds a composed reply; tool summaries are short, data renderings may not be.
const maxReply = 2000

// compose writes the final answer from the tool results in the last message.
func compose(msgs []llm.Message) string {
	last := msgs[len(msgs)-1]
	var b strings.Builder
	for _, blk := range last.Content {
		if blk.Type != llm.BlockToolResult {
			continue
		}
		s := composeOne(toolNameFor(msgs, blk.ToolUseID), blk)
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	if b.Len() == 0 {
		return "Done."
	}
	return truncate(b.String(), maxReply)
}

// toolNameFor finds the tool a result answers, from the assistant's tool_use blocks.
func toolNameFor(msgs []llm.Message, id string) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, b := range msgs[i].Content {
			if b.Type == llm.BlockToolUse && b.ToolUseID == id {
				return b.ToolName
			}
		}
	}
	return ""
}

// unfence returns the JSON inside an untrusted-data fence (the agent fences
// every tool result before a model sees it), or text unchanged.
func unfence(text string) string {
	if !strings.HasPrefix(text, "<untrusted-data") {
		return text
	}
	start, end := strings.Index(text, "{"), strings.LastIndex(text, "}")
	if start < 0 || end < start {
		return text
	}
	return text[start : end+1]
}

// resultData is the data of a tool result body that decoded as a toolResult.
func resultData(body []byte) json.RawMessage {
	var d struct {
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &d) // the body decoded once already
	return d.Data
}

// decodeToolResult decodes what quickToolResult leaves to encoding/json.
func decodeToolResult(body string, r *toolResult) error {
	var d toolResult
	err := json.Unmarshal([]byte(body), &d)
	*r = d
	return err
}

func composeOne(name string, blk llm.Block) string {
	body := unfence(blk.Text)
	r, ok := quickToolResult(body)
	if !ok {
		if err := decodeToolResult(body, &r); err != nil {
			text := truncate(strings.TrimSpace(blk.Text), 300)
			if blk.IsError {
				if text == "" {
					return "Sorry, " + label(name) + " didn't work this time. Please try again."
				}
				return "Sorry, " + label(name) + " didn't work: " + text
			}
			return text
		}
	}
	if r.Status == "" && blk.IsError {
		r.Status = "failed"
	}
	var s string
	switch r.Status {
	case "ok", "partial", "":
		s = r.Summary
		if s == "" {
			s = renderData(resultData([]byte(body)))
		}
		if s == "" {
			s = "Done."
		}
		if r.Partial || r.Status == "partial" {
			s += " Some results may be missing."
		}
	case "needs_confirmation":
		s = firstNonEmpty(r.Summary, r.Error, "That needs your confirmation before I go ahead.")
	case "not_available":
		s = capitalize(label(name)) + " is temporarily unavailable."
		if r.Error != "" {
			s += " " + sentence(r.Error)
		}
		s += " Please try again later."
	case "no_results":
		s = firstNonEmpty(r.Summary, sentence(r.Error), "I couldn't find anything for that.")
	case "invalid_arguments":
		s = "I couldn't do that"
		if r.Error != "" {
			s += ": " + sentence(r.Error)
		} else {
			s += "."
		}
		s += " Could you rephrase it?"
	case "unauthorized":
		s = "Sorry, you don't have permission to do that."
	case "timeout":
		s = capitalize(label(name)) + " took too long to answer. Please try again in a moment."
	default:
		s = "Sorry, " + label(name) + " didn't work"
		if r.Error != "" {
			s += ": " + sentence(r.Error)
		} else {
			s += ". Please try again."
		}
	}
	if r.Stale {
		s += " (This is saved data from earlier and may be out of date.)"
	}
	if r.Disclaimer != "" {
		s += " " + sentence(r.Disclaimer)
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// sentence capitalizes s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return capitalize(s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return clip(s, n) + "…"
}

// renderData turns a result's data into plain lines when a tool wrote no summary:
// scalars as "Key: value", money as "$45.20", lists by their names or count.
func renderData(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return ""
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return scalar(v)
	}
	// A single wrapped record ({"expense":{…}}) renders as the record.
	if len(obj) == 1 {
		for _, inner := range obj {
			if m, ok := inner.(map[string]any); ok && !isMoney(m) {
				obj = m
			}
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	for _, k := range keys {
		if k == "id" || strings.HasSuffix(k, "_id") || k == "lat" || k == "lng" {
			continue
		}
		if s := renderValue(obj[k]); s != "" {
			lines = append(lines, humanKey(k)+": "+s)
		}
	}
	return strings.Join(lines, "\n")
}

func renderValue(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if isMoney(x) {
			d, err := decimal.NewFromString(scalar(x["amount"]))
			if err != nil {
				return ""
			}
			return money.New(d, scalar(x["currency"])).Format()
		}
		return ""
	case []any:
		if len(x) == 0 {
			return "none"
		}
		names := make([]string, 0, min(len(x), 10))
		for _, item := range x {
			m, ok := item.(map[string]any)
			if !ok {
				if s := scalar(item); s != "" {
					names = append(names, s)
				}
				continue
			}
			for _, key := range [...]string{"name", "title", "task", "category", "date"} {
				if s := scalar(m[key]); s != "" {
					names = append(names, s)
					break
				}
			}
			if len(names) == 10 {
				break
			}
		}
		if len(names) == 0 {
			return plural(len(x))
		}
		s := strings.Join(names, ", ")
		if len(x) > len(names) {
			s += " and " + plural(len(x)-len(names)) + " more"
		}
		return s
	}
	return scalar(v)
}

func plural(n int) string {
	if n == 1 {
		return "1 item"
	}
	return decimal.NewFromInt(int64(n)).String() + " items"
}

func isMoney(m map[string]any) bool {
	_, a := m["amount"]
	_, c := m["currency"]
	return a && c && len(m) == 2
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "yes"
		}
		return "no"
	}
	return ""
}

func humanKey(k string) string { return capitalize(strings.ReplaceAll(k, "_", " ")) }

// label names what a tool does, for messages about it.
func label(name string) string {
	switch name {
	case "create_expense", "update_expense":
		return "expense logging"
	case "delete_expense":
		return "deleting expenses"
	case "get_spending_summary":
		return "the spending summary"
	case "update_budget":
		return "budget updates"
	case "analyze_budget", "compare_vs_budget":
		return "the budget check"
	case "predict_end_of_month":
		return "the month-end projection"
	case "get_savings_summary", "track_savings":
		return "savings tracking"
	case "export_budget_report":
		return "the budget report"
	case "add_fuel_entry":
		return "fuel logging"
	case "get_fuel_stats":
		return "fuel statistics"
	case "calculate_gas_cost":
		return "the fuel cost calculator"
	case "find_cheap_gas":
		return "the fuel price search"
	case "plan_trip":
		return "trip planning"
	case "estimate_travel_time":
		return "travel time estimates"
	case "find_rv_parks":
		return "the RV park search"
	case "find_attractions":
		return "the attractions search"
	case "get_weather_forecast":
		return "the weather forecast"
	case "save_favorite_spot":
		return "saving spots"
	case "create_calendar_event", "update_calendar_event", "delete_calendar_event", "get_calendar_events":
		return "the calendar"
	case "log_maintenance", "get_maintenance_due":
		return "maintenance tracking"
	case "update_settings", "get_profile", "update_profile":
		return "settings"
	case "search_knowledge":
		return "the travel knowledge base"
	}
	return "that"
}

// unavailableText answers when the tool a request needs is not offered (its source is down).
func unavailableText(name string) string {
	return "Sorry, " + label(name) + " is temporarily unavailable, so I can't do that right now. Please try again later."
}
