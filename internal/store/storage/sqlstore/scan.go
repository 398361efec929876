package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
)

// timeScan reads an instant stored as TIMESTAMPTZ or as SQLite text.
type timeScan struct{ t *time.Time }

func (s timeScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("time: cannot scan %T", src)
	}
	return nil
}

func (s timeScan) parse(v string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			*s.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("time: cannot parse %q", v)
}

// nullTimeScan reads a nullable instant into a *time.Time.
type nullTimeScan struct{ t **time.Time }

func (s nullTimeScan) Scan(src any) error {
	if src == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (timeScan{&t}).Scan(src); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// dateScan reads a calendar day stored as DATE or text, "" for NULL.
type dateScan struct{ s *string }

func (d dateScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.s = ""
	case time.Time:
		*d.s = v.Format(time.DateOnly)
	case string:
		*d.s = v
	case []byte:
		*d.s = string(v)
	default:
		return fmt.Errorf("date: cannot scan %T", src)
	}
	return nil
}

// strScan reads a nullable text as "".
type strScan struct{ s *string }

func (d strScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.s = ""
	case string:
		*d.s = v
	case []byte:
		*d.s = string(v)
	default:
		*d.s = fmt.Sprint(v)
	}
	return nil
}

// jsonScan reads a nullable JSON text into a RawMessage (nil for NULL).
type jsonScan struct{ m *json.RawMessage }

func (j jsonScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j.m = nil
	case string:
		*j.m = json.RawMessage(v)
	case []byte:
		*j.m = append(json.RawMessage(nil), v...)
	default:
		return fmt.Errorf("json: cannot scan %T", src)
	}
	return nil
}

// moneyPtrScan reads a nullable amount and its currency into a *money.Money.
type moneyPtrScan struct {
	m      **money.Money
	amount decimal.NullDecimal
	cur    string
}

func (m *moneyPtrScan) dest() []any { return []any{&m.amount, strScan{&m.cur}} }

func (m *moneyPtrScan) done() {
	if !m.amount.Valid {
		*m.m = nil
		return
	}
	v := money.New(m.amount.Decimal, m.cur)
	*m.m = &v
}

// listScan reads a JSON string list.
type listScan struct{ v *[]string }

func (l listScan) Scan(src any) error {
	var s string
	if err := (strScan{&s}).Scan(src); err != nil {
		return err
	}
	if s == "" {
		*l.v = nil
		return nil
	}
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	if len(v) == 0 {
		v = nil
	}
	*l.v = v
	return nil
}

type settingsScan struct{ s *store.Settings }

func (v settingsScan) Scan(src any) error {
	var s string
	if err := (strScan{&s}).Scan(src); err != nil {
		return err
	}
	*v.s = store.DefaultSettings()
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v.s)
}
