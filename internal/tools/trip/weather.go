package trip

import (
	"context"
	"fmt"
	"strings"

	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/tools"
)

type weatherArgs struct {
	whereArgs
	Days *int `json:"days"`
}

type weatherDay struct {
	Date          string   `json:"date"`
	Conditions    string   `json:"conditions"`
	High          string   `json:"high"`
	Low           string   `json:"low"`
	Precipitation string   `json:"precipitation"`
	PrecipChance  *float64 `json:"precip_chance_pct,omitempty"`
	Wind          string   `json:"wind_max"`
	WeatherCode   int      `json:"weather_code"` // WMO code
}

func (svc *service) weatherForecast(ctx context.Context, call *tools.Call) (*tools.Result, error) {
	var a weatherArgs
	if err := call.Bind(&a); err != nil {
		return nil, err
	}
	days := 3
	if a.Days != nil {
		days = *a.Days
	}
	if days < 1 || days > 7 {
		return nil, tools.Invalid("I can forecast 1 to 7 days ahead.")
	}
	if svc.Weather == nil {
		return notConfigured("weather forecasts"), nil
	}
	where, err := svc.resolveWhere(ctx, call, a.whereArgs)
	if err != nil {
		return nil, err
	}
	f, meta, err := svc.Weather.Forecast(ctx, where.Point, days)
	if err != nil {
		if external.IsUnavailable(err) {
			return unavailable("the weather forecast", "Weather forecasts are temporarily unavailable."), nil
		}
		return nil, err
	}
	u := unitsOf(call)
	local := call.LocalNow() // once: it loads the user's zone
	today, year := local.Format(tools.DayLayout), local.Year()
	var out []weatherDay
	var parts []string
	for i, d := range f.Days {
		if i >= days {
			break
		}
		wd := weatherDay{Date: d.Date, Conditions: d.Conditions, High: u.temp(d.TempMaxC), Low: u.temp(d.TempMinC),
			Precipitation: precip(d.PrecipMm, u), PrecipChance: d.PrecipProbPct, Wind: u.speed(d.WindMaxKmh), WeatherCode: d.WeatherCode}
		out = append(out, wd)
		label := tools.FormatDay(d.Date, year)
		if d.Date == today {
			label = "today"
		}
		s := fmt.Sprintf("%s %s, %s/%s", label, d.Conditions, wd.High, wd.Low)
		if d.PrecipProbPct != nil && *d.PrecipProbPct >= 40 {
			s += fmt.Sprintf(", %.0f%% chance of precipitation", *d.PrecipProbPct)
		}
		parts = append(parts, s)
	}
	res := &tools.Result{
		Data:    map[string]any{"place": where, "time_zone": f.TimeZone, "days": out, "units": call.Settings.Units},
		Summary: fmt.Sprintf("Weather for %s: %s.", where.Label, strings.Join(parts, "; ")),
	}
	applyMeta(res, meta)
	return res, nil
}

func precip(mm float64, u units) string {
	if u.imperial {
		return fmt.Sprintf("%.2f in", mm/25.4)
	}
	return fmt.Sprintf("%.1f mm", mm)
}
