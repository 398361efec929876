package rules

// composeOne before the data of a result was decoded only when needed, kept
// as the reference the new one must match.

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/llm"
)

type refToolResult struct {
	Status     string          `json:"status"`
	Data       json.RawMessage `json:"data"`
	Summary    string          `json:"summary"`
	Error      string          `json:"error"`
	Stale      bool            `json:"stale"`
	Disclaimer string          `json:"disclaimer"`
	Partial    bool            `json:"partial"`
}

func refComposeOne(name string, blk llm.Block) string {
	var r refToolResult
	if err := json.Unmarshal([]byte(unfence(blk.Text)), &r); err != nil {
		text := truncate(strings.TrimSpace(blk.Text), 300)
		if blk.IsError {
			if text == "" {
				return "Sorry, " + label(name) + " didn't work this time. Please try again."
			}
			return "Sorry, " + label(name) + " didn't work: " + text
		}
		return text
	}
	if r.Status == "" && blk.IsError {
		r.Status = "failed"
	}
	var s string
	switch r.Status {
	case "ok", "partial", "":
		s = r.Summary
		if s == "" {
			s = renderData(r.Data)
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

var composeSeeds = []string{
	`{"status":"ok","summary":"Logged $12.25 for groceries at Walmart.","data":{"expense":{"amount":{"amount":"12.25","currency":"USD"},"category":"groceries"}}}`,
	`{"status":"ok","data":{"expense":{"amount":{"amount":"12.25","currency":"USD"},"category":"groceries"}}}`,
	`{"status":"ok","Data":{"count":3,"names":["a","b"]}}`,
	`{"status":"partial","data":[1,2,3],"stale":true,"disclaimer":"prices change"}`,
	`{"status":"failed","error":"boom"}`, `{"status":"not_available"}`, `{"status":"ok","data":"text"}`,
	`{"status":"ok","summary":12}`, `{"status":"ok","data":{"x":1},"data":{"y":2}}`, `not json`, ``, `{}`,
	"<untrusted-data id=\"n\">\nnote\n{\"status\":\"ok\",\"data\":{\"total\":\"4.50\"}}\n</untrusted-data id=\"n\">",
	// for the quick decoder: case, null, escapes, bytes, nesting, duplicates, types
	` { "STATUS" : "ok" , "Summary":"Done \u0026 dusted","stale":null,"Partial":true } `,
	`{"status":"ok","summary":"caf\u00e9","summary":null}`, `{"status":"ok","summary":"café"}`, "{\"summary\":\"bad \xff byte\"}",
	`{"data":{"a":["}",{"b":"\"]"}],"c":-1.5e3},"status":"no_results","error":"nothing near \"x\""}`,
	`{"status":"ok","stale":"yes"}`, `{"status":true}`, `{"status":"ok"}x`, `[{"status":"ok"}]`, `null`, `{"ſtatus":"ok"}`,
	`{"status":"ok","summary":"a","summary":"b","disclaimer":"rates vary","partial":false,"partial":true}`,
}

func FuzzComposeOneMatchesReference(f *testing.F) {
	for _, s := range composeSeeds {
		f.Add("create_expense", s, false)
		f.Add("weather", s, true)
	}
	f.Fuzz(func(t *testing.T, name, text string, isError bool) {
		blk := llm.Block{Type: llm.BlockToolResult, Text: text, IsError: isError}
		if got, want := composeOne(name, blk), refComposeOne(name, blk); got != want {
			t.Fatalf("composeOne(%q, %q, %v) = %q, reference %q", name, text, isError, got, want)
		}
	})
}

func TestComposeOneMatchesReference(t *testing.T) {
	for _, s := range composeSeeds {
		for _, isError := range []bool{false, true} {
			blk := llm.Block{Type: llm.BlockToolResult, Text: s, IsError: isError}
			if got, want := composeOne("create_expense", blk), refComposeOne("create_expense", blk); got != want {
				t.Fatalf("composeOne(%q) = %q, reference %q", s, got, want)
			}
		}
	}
}

// A tool's result with a summary is answered from the summary as it lies in
// the result's text: nothing decoded, nothing copied.
func TestComposeOneSummaryAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	blk := llm.Block{Type: llm.BlockToolResult, Text: composeSeeds[0]}
	if got := composeOne("create_expense", blk); got != "Logged $12.25 for groceries at Walmart." {
		t.Fatalf("composeOne: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = composeOne("create_expense", blk) }); n != 0 {
		t.Fatalf("composeOne: %v allocations, want 0", n)
	}
}

// The reply composed from a tool's summary costs the response (with its one
// block) and the reply's text.
func TestComposedReplyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	req := &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: "I spent $12.25 on groceries at Walmart"}}},
		{Role: llm.RoleAssistant, Content: []llm.Block{{Type: llm.BlockToolUse, ToolUseID: "rules_1", ToolName: "create_expense"}}},
		{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockToolResult, ToolUseID: "rules_1", Text: composeSeeds[0]}}},
	}}
	m := New(Options{})
	ctx := context.Background()
	resp, err := m.Generate(ctx, req, nil)
	if err != nil || resp.Text() != "Logged $12.25 for groceries at Walmart." || len(resp.Content) != 1 {
		t.Fatalf("Generate: %+v, %v", resp, err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = m.Generate(ctx, req, nil) }); n > 2 {
		t.Fatalf("Generate: %v allocations, want at most 2", n)
	}
}
