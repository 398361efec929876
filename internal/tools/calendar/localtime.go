package calendar

import (
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/tools"
)

// parsed is a time argument: an instant, and whether it was a date alone.
type parsed struct {
	t        time.Time
	dateOnly bool
}

var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// parseWhen reads an RFC 3339 instant, a local date-time in loc, or a date.
func parseWhen(s string, loc *time.Location, field string) (parsed, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return parsed{t: t}, nil
	}
	if d, err := time.Parse(tools.DayLayout, s); err == nil {
		return parsed{t: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), dateOnly: true}, nil
	}
	for _, layout := range localLayouts {
		wall, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t, err := inZone(wall, loc)
		if err != nil {
			return parsed{}, err
		}
		return parsed{t: t}, nil
	}
	return parsed{}, tools.Invalid("The %s time %q should look like 2026-11-25T14:00 (local time) or 2026-11-25 for all day.", field, s)
}

// inZone returns the instant whose wall clock in loc reads wall (whose own
// location is ignored). Of two such instants (a fall-back hour) it returns the
// earlier; when none exists (a spring-forward gap) it explains.
func inZone(wall time.Time, loc *time.Location) (time.Time, error) {
	naive := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
	var best time.Time
	seen := map[int]bool{}
	for _, probe := range []time.Duration{-36 * time.Hour, -12 * time.Hour, 0, 12 * time.Hour, 36 * time.Hour} {
		_, off := naive.Add(probe).In(loc).Zone()
		if seen[off] {
			continue
		}
		seen[off] = true
		cand := naive.Add(-time.Duration(off) * time.Second)
		if sameWall(cand.In(loc), naive) && (best.IsZero() || cand.Before(best)) {
			best = cand
		}
	}
	if best.IsZero() {
		return time.Time{}, tools.Invalid("%s doesn't exist on %s in %s because the clocks spring forward; pick a time an hour later or earlier.",
			wall.Format("3:04 PM"), wall.Format("Jan 2"), loc.String())
	}
	return best, nil
}

func sameWall(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second()
}
