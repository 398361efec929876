package app

import (
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/geo"
)

func TestParseWarmPlanDefaultsResolve(t *testing.T) {
	g, err := geo.DefaultGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load(nil, func(string) string { return "" }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseWarmPlan(cfg.WarmPlaces, cfg.WarmRoutes, g)
	if err != nil {
		t.Fatalf("default warm plan: %v", err)
	}
	if len(p.places) != 4 || len(p.routes) != 2 || p.routes[0][1].Name != "Moab" {
		t.Fatalf("plan = %+v", p)
	}
	for _, bad := range [][2]string{{"Nowhere ZZ", ""}, {"", "Denver CO"}, {"", "Denver CO > Nowhere ZZ"}} {
		if _, err := parseWarmPlan(bad[0], bad[1], g); err == nil {
			t.Errorf("%q / %q accepted", bad[0], bad[1])
		}
	}
}

func TestNextWarm(t *testing.T) {
	tests := []struct {
		now  string
		hour int
		want string
	}{
		{"2026-11-24T01:30:00Z", 3, "2026-11-24T03:00:00Z"},
		{"2026-11-24T03:00:00Z", 3, "2026-11-25T03:00:00Z"},
		{"2026-11-24T22:10:00Z", 3, "2026-11-25T03:00:00Z"},
		{"2026-11-24T22:10:00-07:00", 3, "2026-11-26T03:00:00Z"}, // 05:10 UTC the next day,
	}
	for _, tc := range tests {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if got := nextWarm(now, tc.hour).Format(time.RFC3339); got != tc.want {
			t.Errorf("nextWarm(%s, %d) = %s, want %s", tc.now, tc.hour, got, tc.want)
		}
	}
}
