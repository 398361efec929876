package observe

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// IndexSuggestion is an index PostgreSQL's plan says a recurring slow query lacks.
type IndexSuggestion struct {
	Table     string   `json:"table"`
	Columns   []string `json:"columns"`
	Statement string   `json:"statement"` // CREATE INDEX CONCURRENTLY …, for a person to review
	Reason    string   `json:"reason"`
	Query     string   `json:"query,omitempty"`
}

var (
	scanLine   = regexp.MustCompile(`Seq Scan on ([A-Za-z_][A-Za-z0-9_.]*)(?: ([A-Za-z_][A-Za-z0-9_]*))?\s+\(cost=[0-9.]+\.\.[0-9.]+ rows=([0-9]+)`)
	filterLine = regexp.MustCompile(`^\s*Filter: (.*)$`)
	// a column compared with something: (alias.)column op …
	comparison = regexp.MustCompile(`\(?\(*(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)\)?\s*(=|<>|!=|>=|<=|>|<|~~|~~\*| IS NULL| IS NOT NULL| = ANY)`)
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ParsePlan reads a text EXPLAIN plan and suggests an index for every
// sequential scan with a filter: equality columns first, then range
// columns, as a composite B-tree index wants them.
func ParsePlan(plan string) []IndexSuggestion {
	var out []IndexSuggestion
	lines := strings.Split(plan, "\n")
	for i := 0; i < len(lines); i++ {
		m := scanLine.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		table, alias := m[1], m[2]
		var filter string
		for j := i + 1; j < len(lines) && j <= i+3; j++ {
			if f := filterLine.FindStringSubmatch(lines[j]); f != nil {
				filter = f[1]
				break
			}
			if strings.Contains(lines[j], "->") {
				break
			}
		}
		if filter == "" {
			continue
		}
		cols := filterColumns(filter, alias)
		if len(cols) == 0 {
			continue
		}
		out = append(out, IndexSuggestion{
			Table: table, Columns: cols,
			Statement: fmt.Sprintf("CREATE INDEX CONCURRENTLY ON %s (%s);", table, strings.Join(cols, ", ")),
			Reason:    fmt.Sprintf("sequential scan on %s (≈%s rows) filtered by %s", table, m[3], strings.Join(cols, ", ")),
		})
	}
	return out
}

// filterColumns lists the filtered columns: equalities before ranges, each once.
func filterColumns(filter, alias string) []string {
	var eq, rng []string
	seen := map[string]bool{}
	for _, c := range comparison.FindAllStringSubmatch(filter, -1) {
		qual, col, op := c[1], c[2], strings.TrimSpace(c[3])
		if qual != "" && alias != "" && qual != alias {
			continue
		}
		if !identifier.MatchString(col) || seen[col] || isKeyword(col) {
			continue
		}
		seen[col] = true
		if op == "=" || op == "= ANY" || op == "IS NULL" {
			eq = append(eq, col)
		} else {
			rng = append(rng, col)
		}
	}
	return append(eq, rng...)
}

func isKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "and", "or", "not", "true", "false", "null", "text", "date", "timestamp", "numeric", "integer", "bigint", "any":
		return true
	}
	return false
}

// PGQuerier is what the advisor needs of a PostgreSQL connection (a
// *pgx.Conn or *pgxpool.Pool).
type PGQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// IndexAdvisor finds recurring slow statements in pg_stat_statements, asks
// PostgreSQL for their generic plans and suggests indexes. It never creates
// an index itself.
type IndexAdvisor struct {
	DB       PGQuerier
	MinCalls int           // 3
	MinMean  time.Duration // 100 ms
}

// Suggest returns index suggestions for the recurring slow statements.
func (a *IndexAdvisor) Suggest(ctx context.Context) ([]IndexSuggestion, error) {
	minCalls, minMean := a.MinCalls, a.MinMean
	if minCalls <= 0 {
		minCalls = 3
	}
	if minMean <= 0 {
		minMean = 100 * time.Millisecond
	}
	rows, err := a.DB.Query(ctx, `SELECT query FROM pg_stat_statements
		WHERE calls >= $1 AND mean_exec_time >= $2 AND query ILIKE 'select%'
		ORDER BY total_exec_time DESC LIMIT 20`, minCalls, float64(minMean.Microseconds())/1000)
	if err != nil {
		return nil, fmt.Errorf("index advisor: pg_stat_statements: %w", err)
	}
	queries, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("index advisor: %w", err)
	}
	var out []IndexSuggestion
	for _, q := range queries {
		s, err := a.Explain(ctx, q)
		if err != nil {
			continue // a statement that cannot be planned generically is skipped
		}
		out = append(out, s...)
	}
	return dedupe(out), nil
}

// Explain plans one statement (parameters $n allowed: GENERIC_PLAN, PostgreSQL 16+,
// is used when the statement has them) and returns its suggestions.
func (a *IndexAdvisor) Explain(ctx context.Context, query string) ([]IndexSuggestion, error) {
	prefix := "EXPLAIN "
	if strings.Contains(query, "$1") {
		prefix = "EXPLAIN (GENERIC_PLAN) "
	}
	rows, err := a.DB.Query(ctx, prefix+query)
	if err != nil {
		return nil, fmt.Errorf("index advisor: explain: %w", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("index advisor: explain: %w", err)
	}
	s := ParsePlan(strings.Join(lines, "\n"))
	for i := range s {
		s[i].Query = query
	}
	return s, nil
}

func dedupe(in []IndexSuggestion) []IndexSuggestion {
	seen := map[string]bool{}
	var out []IndexSuggestion
	for _, s := range in {
		if !seen[s.Statement] {
			seen[s.Statement] = true
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Statement < out[j].Statement })
	return out
}
