package calendar

import (
	"os"
	"strings"
	"testing"
	"time"
)

func FuzzParseWhen(f *testing.F) {
	b, err := os.ReadFile("testdata/when_seeds.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range strings.Split(string(b), "\n") {
		f.Add(s)
	}
	zones := []string{"America/Denver", "Europe/Berlin", "Australia/Lord_Howe", "UTC"}
	f.Fuzz(func(t *testing.T, s string) {
		for _, z := range zones {
			loc, err := time.LoadLocation(z)
			if err != nil {
				t.Skip("no tzdata")
			}
			p, err := parseWhen(s, loc, "start")
			if err != nil {
				continue
			}
			// A local date-time must read back as the same wall clock in the zone.
			for _, layout := range localLayouts {
				if wall, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
					if got := p.t.In(loc); !sameWall(got, wall) {
						t.Fatalf("%q in %s -> %s", s, z, got)
					}
					break
				}
			}
		}
	})
}
