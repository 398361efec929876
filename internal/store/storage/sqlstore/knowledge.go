package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pamtravel/pam/internal/store"
)

const knowledgeCols = "id, title, content, tags, created_at"

// AddKnowledge stores an article.
func (s *Store) AddKnowledge(ctx context.Context, k *store.KnowledgeItem) error {
	id, t := NewID(), now()
	tags, err := jsonList(k.Tags)
	if err != nil {
		return fmt.Errorf("add knowledge: %w", err)
	}
	err = s.write(ctx, "add knowledge", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO knowledge ("+knowledgeCols+", search_text) VALUES (?, ?, ?, ?, ?, ?)",
			id, k.Title, k.Content, tags, s.ts(t), strings.ToLower(k.Title+"\n"+strings.Join(k.Tags, " ")+"\n"+k.Content))
		return err
	})
	if err == nil {
		k.ID, k.CreatedAt = id, t
	}
	return err
}

// maxSearchWords bounds how many words of a query are matched, and
// maxSearchCandidates how many matching articles (newest first) are ranked.
const (
	maxSearchWords      = 8
	maxSearchCandidates = 500
)

// SearchKnowledge finds articles containing any word of query (case-insensitive),
// ranked by matches: a word in the title counts 3, in a tag 2, in the content 1.
func (s *Store) SearchKnowledge(ctx context.Context, query string, n int) ([]store.KnowledgeItem, error) {
	words := searchWords(query)
	if len(words) == 0 {
		return nil, nil
	}
	n = batch(n)
	conds := make([]string, len(words))
	args := make([]any, len(words))
	for i, w := range words {
		conds[i] = `search_text LIKE ? ESCAPE '\'`
		args[i] = likePattern(w)
	}
	items, err := getAll(ctx, s, "search knowledge", func(r scanner) (store.KnowledgeItem, error) {
		var k store.KnowledgeItem
		err := r.Scan(&k.ID, &k.Title, &k.Content, listScan{&k.Tags}, timeScan{&k.CreatedAt})
		return k, err
	}, "SELECT "+knowledgeCols+" FROM knowledge WHERE "+strings.Join(conds, " OR ")+" ORDER BY id DESC LIMIT "+itoa(maxSearchCandidates), args...)
	if err != nil {
		return nil, err
	}
	scores := make(map[string]int, len(items))
	for _, k := range items {
		scores[k.ID] = knowledgeScore(k, words)
	}
	sort.SliceStable(items, func(i, j int) bool { return scores[items[i].ID] > scores[items[j].ID] })
	if len(items) > n {
		items = items[:n]
	}
	return items, nil
}

func searchWords(query string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !(r == '-' || r == '\'' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127)
	}) {
		if len(w) < 2 || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
		if len(out) == maxSearchWords {
			break
		}
	}
	return out
}

func knowledgeScore(k store.KnowledgeItem, words []string) int {
	title, content := strings.ToLower(k.Title), strings.ToLower(k.Content)
	tags := strings.ToLower(strings.Join(k.Tags, " "))
	score := 0
	for _, w := range words {
		if strings.Contains(title, w) {
			score += 3
		}
		if strings.Contains(tags, w) {
			score += 2
		}
		if strings.Contains(content, w) {
			score++
		}
	}
	return score
}
