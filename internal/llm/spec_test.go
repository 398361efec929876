package llm_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/llm"
)

func TestParseChain(t *testing.T) {
	tests := []struct {
		spec    string
		want    []llm.LinkSpec
		wantErr string // a fragment of the error
	}{
		{"rules", []llm.LinkSpec{{Provider: "rules"}}, ""},
		{"anthropic:claude-sonnet-4-5,openai:gpt-4.1-mini,rules", []llm.LinkSpec{
			{Provider: "anthropic", Model: "claude-sonnet-4-5"}, {Provider: "openai", Model: "gpt-4.1-mini"}, {Provider: "rules"}}, ""},
		{" openai-compatible:llama3.1:8b , rules ", []llm.LinkSpec{{Provider: "openai-compatible", Model: "llama3.1:8b"}, {Provider: "rules"}}, ""},
		{"openai-compatible:meta-llama/Llama-3.1-8B", []llm.LinkSpec{{Provider: "openai-compatible", Model: "meta-llama/Llama-3.1-8B"}}, ""},
		{"", nil, "empty"},
		{"anthropic:claude-sonnet-4-5,,rules", nil, `part 2 "": empty link`},
		{"opneai:gpt-4.1", nil, `part 1 "opneai:gpt-4.1": unknown provider "opneai"`},
		{"anthropic", nil, `part 1 "anthropic": missing model`},
		{"anthropic:", nil, "missing model"},
		{"rules,anthropic:claude-sonnet-4-5", nil, `part 1 "rules": rules always answers`},
		{"rules:v2", nil, "rules takes no model"},
		{"openai:gpt 4", nil, "contains a space"},
		{"openai:gpt-4.1,openai:gpt-4.1", nil, `part 2 "openai:gpt-4.1": duplicate`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := llm.ParseChain(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestLinkSpecString(t *testing.T) {
	links, err := llm.ParseChain("anthropic:claude-haiku-4-5,rules")
	if err != nil {
		t.Fatal(err)
	}
	if links[0].String() != "anthropic:claude-haiku-4-5" || links[1].String() != "rules" {
		t.Errorf("strings = %s, %s", links[0], links[1])
	}
}

func FuzzParseChain(f *testing.F) {
	for _, s := range []string{"rules", "anthropic:claude-sonnet-4-5,openai:gpt-4.1-mini,rules", "openai-compatible:a:b", ",", "x:y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		links, err := llm.ParseChain(spec)
		if err != nil {
			return
		}
		if len(links) == 0 {
			t.Fatal("no error and no links")
		}
		for i, l := range links {
			if l.Provider == llm.ProviderRules && i != len(links)-1 {
				t.Fatalf("rules not last in %q", spec)
			}
			if l.Provider != llm.ProviderRules && l.Model == "" {
				t.Fatalf("link %d of %q has no model", i, spec)
			}
		}
		// A parsed chain round-trips through its String form.
		parts := make([]string, len(links))
		for i, l := range links {
			parts[i] = l.String()
		}
		again, err := llm.ParseChain(strings.Join(parts, ","))
		if err != nil || !slices.Equal(again, links) {
			t.Fatalf("round trip of %q: %v, %v", spec, again, err)
		}
	})
}
