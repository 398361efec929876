package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// bound is a plausible range for a named value in tool results.
type bound struct {
	min, max decimal.Decimal
	hasMax   bool
}

func rng(lo, hi string) bound {
	return bound{min: decimal.RequireFromString(lo), max: decimal.RequireFromString(hi), hasMax: true}
}

func atLeast(lo string) bound { return bound{min: decimal.RequireFromString(lo)} }

// sanityBounds are checked wherever these keys appear in result data (a money
// object {"amount","currency"} under one of them is checked by its amount).
var sanityBounds = map[string]bound{
	"lat":            rng("-90", "90"),
	"latitude":       rng("-90", "90"),
	"lng":            rng("-180", "180"),
	"lon":            rng("-180", "180"),
	"longitude":      rng("-180", "180"),
	"price":          rng("0", "999999.99"),
	"price_per_unit": rng("0", "999999.99"),
	"avg_price":      rng("0", "999999.99"),
	"fuel_price":     rng("0", "999999.99"),
	"max_price":      rng("0", "999999.99"),
	"cost":           rng("0", "999999.99"),
	"fuel_cost":      rng("0", "999999.99"),
	"amount":         atLeast("0"),
	"total":          atLeast("0"),
	"total_cost":     atLeast("0"),
	"distance":       rng("0", "40075"),
	"distance_km":    rng("0", "40075"),
	"distance_mi":    rng("0", "24902"),
	"radius_km":      rng("0", "40075"),
	"duration_min":   rng("0", "100000"),
}

// checkResult validates res.Data against the tool's result schema and the
// sanity bounds. A bad top-level value fails the call; bad list items are
// dropped and the result marked partial. Data that passes is replaced by its
// JSON as checked (a json.RawMessage): what the model reads and what a rerun
// replays is exactly what passed, and it is encoded once.
func (e *Executor) checkResult(ctx context.Context, tool *Tool, res Result) Result {
	if res.Data == nil || (res.Status != StatusOK && res.Status != StatusPartial) {
		return res
	}
	raw, err := json.Marshal(res.Data)
	if err != nil {
		e.opts.Logger.ErrorContext(ctx, "tool result is not JSON", "tool", tool.Name, "err", err)
		return failed(StatusFailed, "The tool returned data I could not read.")
	}
	if err := e.reg.ValidateResultJSON(tool.Name, raw); err != nil {
		e.opts.Logger.ErrorContext(ctx, "tool result failed its schema", "tool", tool.Name, "err", err)
		return failed(StatusFailed, "The tool returned data in an unexpected shape.")
	}
	if quickSane(raw) {
		res.Data = json.RawMessage(raw)
		return res
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return failed(StatusFailed, "The tool returned data I could not read.")
	}
	cleaned, dropped, bad := sanitize(v, "")
	if bad != "" {
		e.opts.Logger.ErrorContext(ctx, "tool result failed sanity checks", "tool", tool.Name, "problem", bad)
		return failed(StatusFailed, "The tool returned implausible values ("+bad+"), so I did not use them.")
	}
	res.Data = json.RawMessage(raw)
	if dropped > 0 {
		res.Data = cleaned
		res.Status = StatusPartial
		res.Partial = true
		note := fmt.Sprintf("%d result(s) were left out because their values looked wrong.", dropped)
		if res.Disclaimer != "" {
			res.Disclaimer += " " + note
		} else {
			res.Disclaimer = note
		}
	}
	return res
}

// sanitize walks a decoded JSON value. It returns the value with implausible
// array items removed, how many were removed, and a description of an
// implausible value that is not inside an array ("" when none).
func sanitize(v any, parentKey string) (any, int, string) {
	switch x := v.(type) {
	case map[string]any:
		dropped := 0
		for k, val := range x {
			key := strings.ToLower(k)
			switch inner := val.(type) {
			case map[string]any, []any:
				ruleParent := ""
				if _, ok := sanityBounds[key]; ok {
					ruleParent = key
				}
				cleaned, n, bad := sanitize(inner, ruleParent)
				if bad != "" {
					return x, dropped, bad
				}
				x[k] = cleaned
				dropped += n
			default:
				ruleKey := key
				if key == "amount" && parentKey != "" {
					ruleKey = parentKey
				}
				if bad := checkValue(ruleKey, val); bad != "" {
					return x, dropped, bad
				}
			}
		}
		return x, dropped, ""
	case []any:
		out := x[:0]
		dropped := 0
		for _, item := range x {
			cleaned, n, bad := sanitize(item, parentKey)
			if bad != "" {
				dropped++
				continue
			}
			dropped += n
			out = append(out, cleaned)
		}
		return out, dropped, ""
	default:
		return v, 0, ""
	}
}

func checkValue(key string, val any) string {
	b, ok := sanityBounds[key]
	if !ok {
		return ""
	}
	var s string
	switch n := val.(type) {
	case json.Number:
		s = n.String()
	case string:
		s = n
	default:
		return ""
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return ""
	}
	if d.LessThan(b.min) || (b.hasMax && d.GreaterThan(b.max)) {
		return key + " " + s + " is out of range"
	}
	return ""
}
