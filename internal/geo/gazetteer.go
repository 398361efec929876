package geo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/cities.tsv.gz
var citiesGz []byte

// Place is a town of the gazetteer.
type Place struct {
	Name       string `json:"name"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
	Admin      string `json:"admin,omitempty"`
	Population int    `json:"population"`
	Point
}

// Label renders "Moab, UT, US"; the region is shown where people use its
// abbreviation (US, Canada, Australia), elsewhere "Bath, GB".
func (p Place) Label() string {
	if p.Admin != "" && (p.Country == "US" || p.Country == "CA" || p.Country == "AU") {
		return p.Name + ", " + p.Admin + ", " + p.Country
	}
	return p.Name + ", " + p.Country
}

// Gazetteer finds towns by name, offline. It is safe for concurrent use.
type Gazetteer struct {
	byName map[string][]Place // lower-case name → places, largest first
	all    []Place            // largest first
	size   int
}

var (
	defaultOnce sync.Once
	defaultGaz  *Gazetteer
	defaultErr  error
)

// DefaultGazetteer returns the embedded gazetteer, parsed once on first use.
func DefaultGazetteer() (*Gazetteer, error) {
	defaultOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(citiesGz))
		if err != nil {
			defaultErr = fmt.Errorf("gazetteer: %w", err)
			return
		}
		defaultGaz, defaultErr = ParseGazetteer(zr)
	})
	return defaultGaz, defaultErr
}

// ParseGazetteer reads name, country, admin1, population, lat, lng tab-separated
// lines, largest places first (the order scripts/gen-gazetteer writes).
func ParseGazetteer(r io.Reader) (*Gazetteer, error) {
	g := &Gazetteer{byName: map[string][]Place{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("gazetteer line %d: want 6 fields, got %d", line, len(f))
		}
		pop, err1 := strconv.Atoi(f[3])
		lat, err2 := strconv.ParseFloat(f[4], 64)
		lng, err3 := strconv.ParseFloat(f[5], 64)
		p := Place{Name: f[0], Country: f[1], Admin: f[2], Population: pop, Point: Point{Lat: lat, Lng: lng}}
		if err1 != nil || err2 != nil || err3 != nil || p.Validate() != nil || p.Name == "" {
			return nil, fmt.Errorf("gazetteer line %d: malformed record", line)
		}
		key := normalize(p.Name)
		g.byName[key] = append(g.byName[key], p)
		g.all = append(g.all, p)
		g.size++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	return g, nil
}

// Len is the number of places.
func (g *Gazetteer) Len() int { return g.size }

// Lookup finds the largest place matching query: "Moab", "Moab, UT",
// "Denver Colorado", "Toronto, Ontario, Canada" (case-insensitive).
func (g *Gazetteer) Lookup(query string) (Place, bool) {
	q := strings.Join(strings.Fields(strings.ReplaceAll(query, ",", " , ")), " ")
	if q == "" {
		return Place{}, false
	}
	if name, rest, ok := strings.Cut(q, ","); ok {
		var quals []qualifier
		for _, part := range strings.Split(rest, ",") {
			if qu, ok := parseQualifier(part); ok {
				quals = append(quals, qu)
			} else if qs, ok := parseWords(strings.Fields(part)); ok {
				quals = append(quals, qs...)
			} else if strings.TrimSpace(part) != "" {
				return Place{}, false // "Denver, Mars": a qualifier we cannot honour
			}
		}
		return g.match(name, quals)
	}
	if p, ok := g.match(q, nil); ok {
		return p, true
	}
	// "Denver Colorado", "Rapid City South Dakota": trailing words as qualifiers.
	words := strings.Fields(q)
	for k := 1; k < len(words) && k <= 4; k++ {
		quals, ok := parseWords(words[len(words)-k:])
		if !ok {
			continue
		}
		if p, ok := g.match(strings.Join(words[:len(words)-k], " "), quals); ok {
			return p, true
		}
	}
	return Place{}, false
}

// Nearest returns the place nearest to p with at least minPop people, and its
// distance in km; ok is false when none lies within maxKm.
func (g *Gazetteer) Nearest(p Point, minPop int, maxKm float64) (Place, float64, bool) {
	best, bestKm := Place{}, maxKm
	found := false
	for _, c := range g.all {
		if c.Population < minPop {
			break // largest first: the rest are smaller
		}
		if math.Abs(c.Lat-p.Lat) > bestKm/100 { // 1° of latitude ≈ 111 km: cheap pre-filter
			continue
		}
		if d := DistanceKm(p, c.Point); d <= bestKm {
			best, bestKm, found = c, d, true
		}
	}
	return best, bestKm, found
}

// parseWords reads words as one or two qualifiers ("south dakota", "on canada").
func parseWords(words []string) ([]qualifier, bool) {
	if q, ok := parseQualifier(strings.Join(words, " ")); ok {
		return []qualifier{q}, true
	}
	for i := 1; i < len(words); i++ {
		a, ok1 := parseQualifier(strings.Join(words[:i], " "))
		b, ok2 := parseQualifier(strings.Join(words[i:], " "))
		if ok1 && ok2 {
			return []qualifier{a, b}, true
		}
	}
	return nil, false
}

func (g *Gazetteer) match(name string, quals []qualifier) (Place, bool) {
	for _, p := range g.byName[normalize(name)] {
		if matches(p, quals) {
			return p, true
		}
	}
	return Place{}, false
}

func matches(p Place, quals []qualifier) bool {
	for _, q := range quals {
		switch {
		case q.country != "" && p.Country != q.country:
			return false
		case q.admin != "" && p.Admin != q.admin && !(len(q.admin) == 2 && p.Country == q.admin):
			return false
		}
	}
	return true
}

func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "st. ")
	return strings.Join(strings.Fields(s), " ")
}
