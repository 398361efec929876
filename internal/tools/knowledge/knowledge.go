// Package knowledge owns PAM's knowledge tools: searching the admin-curated
// articles (RV tips, rules, how-tos) and, for admins, adding to them.
package knowledge

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type service struct {
	s     store.Store
	audit tools.Auditor
}

// Register adds search_knowledge and the admin-only add_knowledge to r.
// a receives an "admin" audit record for every article added.
func Register(r *tools.Registry, s store.Store, a tools.Auditor, _ ...tools.RegisterOption) error {
	svc := &service{s: s, audit: a}
	err := tools.RegisterAll(r,
		tools.Tool{
			Name:        "search_knowledge",
			Description: "Search PAM's curated RV knowledge articles (tips, rules, how-tos) by words.",
			Category:    tools.CategoryKnowledge,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"query":{"type":"string","minLength":1,"maxLength":200}},
				"required":["query"],"additionalProperties":false}`),
			Handler: svc.search,
		},
		tools.Tool{
			Name:        "add_knowledge",
			Description: "Add an article to PAM's knowledge base (admins only).",
			Category:    tools.CategoryAdmin,
			Roles:       []string{store.RoleAdmin},
			Writes:      true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"title":{"type":"string","minLength":1,"maxLength":200},
				"content":{"type":"string","minLength":1,"maxLength":20000},
				"tags":{"type":"array","items":{"type":"string","minLength":1,"maxLength":40},"maxItems":10}},
				"required":["title","content"],"additionalProperties":false}`),
			Handler: svc.add,
		},
	)
	if err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	return nil
}

// maxSnippet bounds how much of an article goes to the model.
const maxSnippet = 1500

type hit struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Content string   `json:"content"`
	Tags    []string `json:"tags,omitempty"`
}

func (svc *service) search(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Query string `json:"query"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	q := strings.TrimSpace(a.Query)
	if q == "" {
		return nil, tools.Invalid("Tell me what to look up.")
	}
	items, err := svc.s.SearchKnowledge(ctx, q, 5)
	if err != nil {
		return nil, fmt.Errorf("search knowledge: %w", err)
	}
	hits := make([]hit, 0, len(items))
	var titles []string
	for _, k := range items {
		content := k.Content
		if r := []rune(content); len(r) > maxSnippet {
			content = string(r[:maxSnippet]) + "…"
		}
		hits = append(hits, hit{ID: k.ID, Title: k.Title, Content: content, Tags: k.Tags})
		titles = append(titles, fmt.Sprintf("%q", k.Title))
	}
	if len(hits) == 0 {
		return &tools.Result{Status: tools.StatusNoResults, Data: map[string]any{"items": hits},
			Summary: fmt.Sprintf("I found nothing in my notes about %q.", q)}, nil
	}
	return &tools.Result{
		Data:    map[string]any{"items": hits},
		Summary: fmt.Sprintf("From my notes: %s.", strings.Join(titles, ", ")),
	}, nil
}

func (svc *service) add(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Title   string   `json:"title"`
		Content string   `json:"content"`
		Tags    []string `json:"tags"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	k := &store.KnowledgeItem{Title: strings.TrimSpace(a.Title), Content: strings.TrimSpace(a.Content)}
	for _, t := range a.Tags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			k.Tags = append(k.Tags, t)
		}
	}
	if k.Title == "" || k.Content == "" {
		return nil, tools.Invalid("An article needs a title and some content.")
	}
	if err := svc.s.AddKnowledge(ctx, k); err != nil {
		return nil, fmt.Errorf("add knowledge: %w", err)
	}
	if svc.audit != nil {
		rec := store.AuditRecord{Time: c.Now, UserID: c.UserID, RequestID: c.RequestID, Kind: "admin", Action: "add_knowledge",
			Args: mustJSON(map[string]string{"knowledge_id": k.ID, "title": k.Title}), Outcome: "ok", ClientAddr: c.ClientAddr, UserAgent: c.UserAgent}
		if err := svc.audit.Record(context.WithoutCancel(ctx), rec); err != nil {
			// The action is done; the executor's own tool record still notes it.
			slog.ErrorContext(ctx, "admin audit failed", "action", "add_knowledge", "err", err)
		}
	}
	return &tools.Result{Data: map[string]any{"item": k}, Summary: fmt.Sprintf("Added %q to the knowledge base.", k.Title)}, nil
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
