package sqlstore

import (
	"database/sql/driver"
	"encoding/json"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// NewID returns a UUIDv7 string: ids sort in creation order.
func NewID() string { return store.NewID() }

// now is the store's clock at the precision both databases keep (microseconds).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// SQLiteLayout is how SQLite stores a time (its driver writes it): fixed-width
// UTC text, so text order is time order.
const SQLiteLayout = "2006-01-02T15:04:05.000000Z"

// PostgresTime passes t through for a TIMESTAMPTZ column.
func PostgresTime(t time.Time) any { return t.UTC() }

// nullStr binds "" as NULL.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullJSON binds an empty RawMessage as NULL.
func nullJSON(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

// json binds the JSON field *m, empty as NULL: through its pointer when the
// dialect's driver takes one (Dialect.Pointers), else as nullJSON does.
func (s *Store) json(m *json.RawMessage) any {
	switch {
	case len(*m) == 0:
		return nil
	case s.db.d.Pointers:
		return m
	}
	return string(*m)
}

// checkJSON refuses a non-empty value that is not JSON, so both databases
// (PostgreSQL's JSON columns would reject it, SQLite's TEXT would not) agree.
func checkJSON(field string, m json.RawMessage) error {
	if len(m) > 0 && !json.Valid(m) {
		return pamerr.Invalid(field, "%s is not valid JSON", field)
	}
	return nil
}

// amount binds money as an exact two-decimal string.
func amount(m money.Money) string { return m.Amount.StringFixed(2) }

func nullAmount(m *money.Money) (any, any) {
	if m == nil {
		return nil, nil
	}
	return amount(*m), m.Currency
}

// dec binds a decimal exactly.
func dec(d decimal.Decimal) string { return d.String() }

func nullDec(d decimal.NullDecimal) any {
	if !d.Valid {
		return nil
	}
	return d.Decimal.String()
}

// jsonList binds a string list as JSON text.
func jsonList(v []string) (string, error) {
	if v == nil {
		v = []string{}
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// settingsValue binds settings as JSON text.
type settingsValue store.Settings

func (v settingsValue) Value() (driver.Value, error) {
	b, err := json.Marshal(store.Settings(v))
	return string(b), err
}

// likePattern escapes a user word for LIKE ... ESCAPE '\'.
func likePattern(w string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(w)) + "%"
}
