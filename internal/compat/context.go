package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strconv"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/protocol"
)

// Limits of a stored client context.
const (
	maxContextBytes = 16 << 10
	maxContextKeys  = 32
)

// Context is what the app tells PAM about the traveller (userLocation,
// vehicleInfo, travelStyle, …), kept as the app sent it: init and
// context_update merge into it key by key, chat contexts overlay it for one
// message. Only its location, time zone and locale reach the engine, as the
// native chat context.
type Context map[string]json.RawMessage

// ParseContext reads a context object; null or empty is an empty Context.
// Errors are INVALID_INPUT (VALIDATION_ERROR in the app's terms).
func ParseContext(raw json.RawMessage) (Context, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Context{}, nil
	}
	if len(raw) > maxContextBytes {
		return nil, pamerr.Invalid("context", "the context is larger than %d bytes", maxContextBytes)
	}
	var c Context
	if err := json.Unmarshal(raw, &c); err != nil || c == nil {
		return nil, pamerr.Invalid("context", "the context must be a JSON object")
	}
	if len(c) > maxContextKeys {
		return nil, pamerr.Invalid("context", "the context has more than %d keys", maxContextKeys)
	}
	if _, err := c.Native(); err != nil {
		return nil, err
	}
	return c, nil
}

// Merge returns c with u's keys set over it (a JSON null removes a key).
func (c Context) Merge(u Context) (Context, error) {
	out := maps.Clone(c)
	if out == nil {
		out = Context{}
	}
	size := 0
	for k, v := range u {
		if string(v) == "null" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	for k, v := range out {
		size += len(k) + len(v)
	}
	if len(out) > maxContextKeys || size > maxContextBytes {
		return nil, pamerr.Invalid("context", "the stored context would exceed %d keys or %d bytes", maxContextKeys, maxContextBytes)
	}
	return out, nil
}

// Keys under which the app has sent each native field.
var (
	locationKeys = []string{"userLocation", "user_location", "location"}
	timezoneKeys = []string{"timezone", "timeZone", "time_zone"}
	localeKeys   = []string{"locale", "language"}
)

// Native returns the engine's chat context for c: nil when c says nothing
// the engine uses. A location that is present but unusable is INVALID_INPUT.
func (c Context) Native() (*protocol.ChatContext, error) {
	var n protocol.ChatContext
	for _, k := range locationKeys {
		if raw, ok := c[k]; ok && string(raw) != "null" {
			loc, err := parseLocation(raw)
			if err != nil {
				return nil, pamerr.Invalid("context."+k, "%v", err)
			}
			n.Location = loc
			break
		}
	}
	n.Timezone = c.str(timezoneKeys)
	n.Locale = c.str(localeKeys)
	if err := n.Validate(); err != nil {
		return nil, pamerr.Invalid("context", "%v", err)
	}
	if n.Location == nil && n.Timezone == "" && n.Locale == "" {
		return nil, nil
	}
	return &n, nil
}

// NativeJSON is Native encoded for delivery.Inbound.Context (nil when empty).
func (c Context) NativeJSON() (json.RawMessage, error) {
	n, err := c.Native()
	if err != nil || n == nil {
		return nil, err
	}
	return json.Marshal(n)
}

func (c Context) str(keys []string) string {
	for _, k := range keys {
		var s string
		if raw, ok := c[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// appLocation is every spelling of a position the app has used.
type appLocation struct {
	Lat       *flexFloat `json:"lat"`
	Latitude  *flexFloat `json:"latitude"`
	Lng       *flexFloat `json:"lng"`
	Lon       *flexFloat `json:"lon"`
	Longitude *flexFloat `json:"longitude"`
	Accuracy  *flexFloat `json:"accuracy"`
	AccuracyM *flexFloat `json:"accuracy_m"`
	Timestamp any        `json:"timestamp"`
}

// flexFloat accepts a coordinate as a JSON number or a numeric string.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	var v float64
	if err := json.Unmarshal(b, &v); err == nil {
		*f = flexFloat(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("not a number")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("not a number")
	}
	*f = flexFloat(v)
	return nil
}

func first(ps ...*flexFloat) *flexFloat {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

// parseLocation reads the app's location object; coordinates are checked by
// ChatContext.Validate.
func parseLocation(raw json.RawMessage) (*protocol.Location, error) {
	var a appLocation
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("location must be an object with lat and lng")
	}
	lat, lng := first(a.Lat, a.Latitude), first(a.Lng, a.Lon, a.Longitude)
	if lat == nil || lng == nil {
		return nil, fmt.Errorf("location needs lat and lng")
	}
	loc := &protocol.Location{Lat: float64(*lat), Lng: float64(*lng)}
	if acc := first(a.AccuracyM, a.Accuracy); acc != nil && *acc >= 0 {
		loc.AccuracyM = float64(*acc)
	}
	switch ts := a.Timestamp.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			loc.Timestamp = t
		}
	case float64: // browsers' Date.now(): milliseconds
		if ts > 0 && ts < 1e15 {
			loc.Timestamp = time.UnixMilli(int64(ts)).UTC()
		}
	}
	return loc, nil
}
