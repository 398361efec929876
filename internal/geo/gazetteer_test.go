package geo

import (
	"math"
	"strings"
	"testing"
)

func mustGaz(t testing.TB) *Gazetteer {
	t.Helper()
	g, err := DefaultGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGazetteerLookup(t *testing.T) {
	g := mustGaz(t)
	tests := []struct {
		query            string
		name, country, a string
	}{
		{"Moab", "Moab", "US", "UT"},
		{"moab, ut", "Moab", "US", "UT"},
		{"MOAB, Utah", "Moab", "US", "UT"},
		{"Denver Colorado", "Denver", "US", "CO"},
		{"Denver", "Denver", "US", "CO"}, // the largest Denver wins
		{"Denver, PA", "Denver", "US", "PA"},
		{"Sydney", "Sydney", "AU", "NSW"},
		{"Sydney, Nova Scotia", "Sydney", "CA", "NS"},
		{"Sydney, Canada", "Sydney", "CA", "NS"},
		{"Toronto, ON", "Toronto", "CA", "ON"},
		{"Toronto Ohio", "Toronto", "US", "OH"},
		{"Salt Lake City Utah", "Salt Lake City", "US", "UT"},
		{"  rapid   city  south dakota ", "Rapid City", "US", "SD"},
		{"Flagstaff, AZ, USA", "Flagstaff", "US", "AZ"},
		{"Queenstown, New Zealand", "Queenstown", "NZ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, ok := g.Lookup(tt.query)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", tt.query)
			}
			if p.Name != tt.name || p.Country != tt.country || (tt.a != "" && p.Admin != tt.a) {
				t.Fatalf("Lookup(%q) = %+v", tt.query, p)
			}
		})
	}
	for _, q := range []string{"", "Atlantis", "Moab, TX", ",,,", "Denver, Mars"} {
		if p, ok := g.Lookup(q); ok {
			t.Errorf("Lookup(%q) = %+v, want no match", q, p)
		}
	}
}

func TestGazetteerSize(t *testing.T) {
	g := mustGaz(t)
	if g.Len() < 10000 {
		t.Fatalf("gazetteer has %d places", g.Len())
	}
	if len(citiesGz) > 2<<20 {
		t.Fatalf("embedded gazetteer is %d bytes, budget 2 MB", len(citiesGz))
	}
}

func TestParseGazetteerRejectsMalformed(t *testing.T) {
	for _, in := range []string{"Moab\tUS\tUT\t5235\t38.5\n", "Moab\tUS\tUT\tmany\t38.5\t-109.5\n", "Moab\tUS\tUT\t1\t95\t0\n"} {
		if _, err := ParseGazetteer(strings.NewReader(in)); err == nil {
			t.Errorf("ParseGazetteer(%q) accepted a malformed record", in)
		}
	}
}

func TestEstimateTrip(t *testing.T) {
	g := mustGaz(t)
	denver, _ := g.Lookup("Denver, CO")
	moab, _ := g.Lookup("Moab, UT")
	gc := DistanceKm(denver.Point, moab.Point)
	if gc < 405 || gc > 425 { // Denver–Moab great circle is about 414 km
		t.Fatalf("great-circle distance %.1f km", gc)
	}
	tests := []struct {
		name string
		opts EstimateOptions
		km   float64
		min  int
	}{
		{"defaults", EstimateOptions{}, gc * 1.25, int(math.Round(gc * 1.25 / 88 * 60))},
		{"configured", EstimateOptions{RoadFactor: 1.4, SpeedKmh: 80}, gc * 1.4, int(math.Round(gc * 1.4 / 80 * 60))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := EstimateTrip([]Point{denver.Point, moab.Point}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Estimated || math.Abs(e.DistanceKm-tt.km) > 0.1 || e.DurationMin != tt.min {
				t.Fatalf("estimate %+v, want %.1f km %d min", e, tt.km, tt.min)
			}
		})
	}
	if _, err := EstimateTrip([]Point{denver.Point}, EstimateOptions{}); err == nil {
		t.Fatal("a one-point trip must fail")
	}
}

func TestDistanceAndValidate(t *testing.T) {
	// London–Paris ≈ 343.5 km.
	if d := DistanceKm(Point{51.5074, -0.1278}, Point{48.8566, 2.3522}); math.Abs(d-343.5) > 1 {
		t.Fatalf("London–Paris %.1f km", d)
	}
	bad := []Point{{91, 0}, {-90.1, 0}, {0, 180.5}, {0, -181}, {math.NaN(), 0}, {0, math.Inf(1)}}
	for _, p := range bad {
		if p.Validate() == nil {
			t.Errorf("%v validated", p)
		}
	}
	for _, p := range []Point{{90, 180}, {-90, -180}, {0, 0}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%v: %v", p, err)
		}
	}
}

func FuzzLookup(f *testing.F) {
	g := mustGaz(f)
	for _, s := range []string{"Moab", "Moab, UT", "Denver Colorado", "a,b,c", "  ", "Québec, QC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p, ok := g.Lookup(q)
		if ok && (p.Validate() != nil || p.Name == "") {
			t.Fatalf("Lookup(%q) returned an invalid place %+v", q, p)
		}
	})
}

func TestGazetteerNearest(t *testing.T) {
	g := mustGaz(t)
	// A point on I-70 just east of Grand Junction, CO.
	p, km, ok := g.Nearest(Point{Lat: 39.08, Lng: -108.50}, 20000, 80)
	if !ok || p.Name != "Grand Junction" || km > 10 {
		t.Fatalf("Nearest = %+v %.1f km %v", p, km, ok)
	}
	if _, _, ok := g.Nearest(Point{Lat: 0, Lng: -140}, 0, 100); ok {
		t.Fatal("mid-Pacific should have no town within 100 km")
	}
}
