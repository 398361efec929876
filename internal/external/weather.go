package external

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/pamtravel/pam/internal/geo"
)

// Weather is the Open-Meteo forecast client (https://open-meteo.com/en/docs).
type Weather struct {
	src  *source
	base string
}

// DayForecast is one day, in metric units (tools convert to the user's units).
type DayForecast struct {
	Date          string   `json:"date"`
	WeatherCode   int      `json:"weather_code"`
	Conditions    string   `json:"conditions"`
	TempMaxC      float64  `json:"temp_max_c"`
	TempMinC      float64  `json:"temp_min_c"`
	PrecipMm      float64  `json:"precip_mm"`
	PrecipProbPct *float64 `json:"precip_prob_pct,omitempty"`
	WindMaxKmh    float64  `json:"wind_max_kmh"`
}

// Forecast is a daily forecast for a point.
type Forecast struct {
	Lat      float64       `json:"lat"`
	Lng      float64       `json:"lng"`
	TimeZone string        `json:"time_zone"`
	Days     []DayForecast `json:"days"`
}

const dailyVars = "weather_code,temperature_2m_max,temperature_2m_min,precipitation_sum,precipitation_probability_max,wind_speed_10m_max"

// Forecast returns days (1–16) of daily forecast at p.
func (w *Weather) Forecast(ctx context.Context, p geo.Point, days int) (Forecast, Meta, error) {
	if err := p.Validate(); err != nil {
		return Forecast{}, Meta{Source: SourceWeather}, fmt.Errorf("forecast: %w", err)
	}
	days = max(1, min(days, 16))
	// One cache entry per place serves every request for up to a week; two
	// decimals (~1 km) make nearby requests share it.
	fetchDays := max(days, weekDays)
	lat, lng := geo.Round(p.Lat, 2), geo.Round(p.Lng, 2)
	key := fmt.Sprintf("%.2f,%.2f:%d", lat, lng, fetchDays)
	var f Forecast
	meta, err := w.src.fetch(ctx, key, &f, func(ctx context.Context) ([]byte, error) {
		q := url.Values{}
		q.Set("latitude", strconv.FormatFloat(lat, 'f', 2, 64))
		q.Set("longitude", strconv.FormatFloat(lng, 'f', 2, 64))
		q.Set("daily", dailyVars)
		q.Set("timezone", "auto")
		q.Set("forecast_days", strconv.Itoa(fetchDays))
		body, err := w.src.get(ctx, w.base+"/v1/forecast?"+q.Encode())
		if err != nil {
			return nil, err
		}
		f, err := parseForecast(body)
		if err != nil {
			return nil, err
		}
		return json.Marshal(f)
	})
	if len(f.Days) > days {
		f.Days = f.Days[:days]
	}
	return f, meta, err
}

const weekDays = 7

// Warm fetches the week's forecast at p into the cache (on login, for the
// user's last known location), so the first weather question is a cache hit.
func (w *Weather) Warm(ctx context.Context, p geo.Point) error {
	_, _, err := w.Forecast(ctx, p, weekDays)
	return err
}

type omForecast struct {
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Timezone  string   `json:"timezone"`
	Daily     *struct {
		Time     []string   `json:"time"`
		Code     []*int     `json:"weather_code"`
		TMax     []*float64 `json:"temperature_2m_max"`
		TMin     []*float64 `json:"temperature_2m_min"`
		Precip   []*float64 `json:"precipitation_sum"`
		PrecProb []*float64 `json:"precipitation_probability_max"`
		Wind     []*float64 `json:"wind_speed_10m_max"`
	} `json:"daily"`
	Error  bool   `json:"error"`
	Reason string `json:"reason"`
}

func parseForecast(body []byte) (Forecast, error) {
	var raw omForecast
	if err := decodeStrict(SourceWeather, body, &raw); err != nil {
		return Forecast{}, err
	}
	if raw.Error {
		return Forecast{}, invalid(SourceWeather, "service error: %s", raw.Reason)
	}
	if raw.Latitude == nil || raw.Longitude == nil || raw.Daily == nil || len(raw.Daily.Time) == 0 {
		return Forecast{}, invalid(SourceWeather, "missing latitude, longitude or daily data")
	}
	d := raw.Daily
	n := len(d.Time)
	if len(d.Code) != n || len(d.TMax) != n || len(d.TMin) != n || len(d.Precip) != n || len(d.Wind) != n ||
		(d.PrecProb != nil && len(d.PrecProb) != n) {
		return Forecast{}, invalid(SourceWeather, "daily arrays differ in length")
	}
	f := Forecast{Lat: *raw.Latitude, Lng: *raw.Longitude, TimeZone: raw.Timezone}
	if err := (geo.Point{Lat: f.Lat, Lng: f.Lng}).Validate(); err != nil {
		return Forecast{}, invalid(SourceWeather, "%v", err)
	}
	for i := range n {
		if d.Code[i] == nil || d.TMax[i] == nil || d.TMin[i] == nil {
			continue // past the model's horizon: Open-Meteo sends nulls; skip rather than invent
		}
		day := DayForecast{
			Date: d.Time[i], WeatherCode: *d.Code[i], Conditions: WeatherCodeText(*d.Code[i]),
			TempMaxC: *d.TMax[i], TempMinC: *d.TMin[i],
			PrecipMm: deref(d.Precip[i]), WindMaxKmh: deref(d.Wind[i]),
		}
		if day.TempMaxC < -90 || day.TempMaxC > 60 || day.TempMinC < -90 || day.TempMinC > 60 {
			return Forecast{}, invalid(SourceWeather, "implausible temperature on %s", day.Date)
		}
		if d.PrecProb != nil {
			day.PrecipProbPct = d.PrecProb[i]
		}
		f.Days = append(f.Days, day)
	}
	if len(f.Days) == 0 {
		return Forecast{}, invalid(SourceWeather, "no usable days")
	}
	return f, nil
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// WeatherCodeText describes a WMO weather interpretation code (as Open-Meteo documents them).
func WeatherCodeText(code int) string {
	switch {
	case code == 0:
		return "clear sky"
	case code == 1:
		return "mainly clear"
	case code == 2:
		return "partly cloudy"
	case code == 3:
		return "overcast"
	case code == 45 || code == 48:
		return "fog"
	case code >= 51 && code <= 57:
		return "drizzle"
	case code >= 61 && code <= 67:
		return "rain"
	case code >= 71 && code <= 77:
		return "snow"
	case code >= 80 && code <= 82:
		return "rain showers"
	case code == 85 || code == 86:
		return "snow showers"
	case code == 95:
		return "thunderstorm"
	case code == 96 || code == 99:
		return "thunderstorm with hail"
	default:
		return "unknown conditions"
	}
}

func (w *Weather) ping(ctx context.Context) error {
	_, err := w.src.get(ctx, w.base+"/v1/forecast?latitude=39.74&longitude=-104.99&daily=weather_code&forecast_days=1")
	return err
}
