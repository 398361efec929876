package sqlstore

import (
	"encoding/base64"
	"strconv"

	"github.com/pamtravel/pam/internal/pamerr"
)

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// limit normalizes a page size.
func limit(n int) int { return clamp(n, DefaultLimit, MaxLimit) }

// Batch sizes of the methods that take a plain limit (events, pending turns,
// knowledge search) rather than a Page: they serve replay and recovery loops,
// so they allow more than a page.
const (
	DefaultBatch = 100
	MaxBatch     = 1000
)

// batch normalizes a plain limit.
func batch(n int) int { return clamp(n, DefaultBatch, MaxBatch) }

// clamp returns def for n <= 0, and n bounded by most otherwise.
func clamp(n, def, most int) int {
	if n <= 0 {
		return def
	}
	return min(n, most)
}

// encodeCursor and decodeCursor make the opaque cursor: the last id of a page.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 64 {
		return "", pamerr.Invalid("cursor", "the cursor is not valid")
	}
	return string(b), nil
}

// pageOf trims items fetched with limit+1 rows to limit and returns the next cursor.
func pageOf[T any](items []T, n int, id func(*T) string) ([]T, string) {
	if len(items) <= n {
		return items, ""
	}
	items = items[:n]
	return items, encodeCursor(id(&items[n-1]))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// parseSeqCursor parses a decoded audit cursor.
func parseSeqCursor(s string, n *int64) (int, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, pamerr.Invalid("cursor", "the cursor is not valid")
	}
	*n = v
	return 1, nil
}
