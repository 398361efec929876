package rules

import (
	"strings"

	"github.com/shopspring/decimal"
)

// volumeUnit maps a written unit to the catalog's "L" or "gal".
func volumeUnit(w string) string {
	switch w {
	case "l", "litre", "litres", "liter", "liters", "ltr", "ltrs":
		return "L"
	case "gal", "gals", "gallon", "gallons":
		return "gal"
	}
	return ""
}

// splitUnitSuffix splits "62.3l" or "20gal" into the number and the unit.
func splitUnitSuffix(w string) (decimal.Decimal, string, bool) {
	for _, suf := range [...]string{"litres", "liters", "gallons", "gal", "l"} {
		if len(w) > len(suf) && strings.HasSuffix(w, suf) {
			if d, ok := parseNumber(w[:len(w)-len(suf)]); ok {
				return d, volumeUnit(suf), true
			}
		}
	}
	return decimal.Decimal{}, "", false
}

func (t *turn) defaultVolumeUnit() string {
	if t.user.Units == "metric" {
		return "L"
	}
	return "gal"
}

// fillUp is what a fill-up message says.
type fillUp struct {
	volume, price, total *decimal.Decimal
	unit, priceUnit      string
	odometer             string
}

func fuelFillIntent(t *turn) (plan, bool) {
	u := t.u
	verb := u.has("filled", "fueled", "refueled", "fuelled", "refuelled", "tanked", "topped", "fillup", "fill-up", "refuel") ||
		u.phrase("fill", "up") >= 0 || u.phrase("filling", "up") >= 0
	if !verb && !u.mentionsVolume() {
		return plan{}, false
	}
	f := t.readFill()
	if !verb && !(f.volume != nil && (f.price != nil || f.total != nil) && u.has("got", "bought", "paid", "put", "pumped", "added")) {
		return plan{}, false
	}
	if u.isQuestion() && !verb {
		return plan{}, false
	}
	n := 0
	for _, v := range []*decimal.Decimal{f.volume, f.price, f.total} {
		if v != nil {
			n++
		}
	}
	if n < 2 {
		return say(askFill + ": how much fuel, the price per litre or gallon, and the total. " +
			"For example: \"I filled up 62.3 litres at 1.89 a litre, odometer 48210\"."), true
	}
	for _, v := range []*decimal.Decimal{f.volume, f.price} {
		if v != nil && !v.IsPositive() {
			return say("The fuel amounts must be above zero, so I haven't logged anything."), true
		}
	}
	if f.volume != nil && f.volume.GreaterThan(decimal.NewFromInt(5000)) {
		return say("That's more fuel than any RV tank holds; could you double-check the amount?"), true
	}
	if f.total != nil {
		if err := checkAmount(*f.total); err != nil {
			return say(capitalize(err.Error()) + ", so I haven't logged anything."), true
		}
	}
	unit := f.unit
	if unit == "" {
		unit = f.priceUnit
	}
	if unit == "" {
		unit = t.defaultVolumeUnit()
	}
	a := newArgs()
	if f.volume != nil {
		a.str("volume", numberString(*f.volume))
	}
	a.str("volume_unit", unit)
	if f.price != nil {
		a.amount("price_per_unit", *f.price)
	}
	if f.total != nil {
		a.amount("total", *f.total)
	}
	a.str("odometer", f.odometer)
	if i := u.find(0, "at"); i >= 0 {
		for ; i >= 0; i = u.find(i+1, "at") {
			if w := u.word(i + 1); !u.used.has(i) && w != "" && isLetter(w[0]) {
				if s, _ := u.placeFrom(i + 1); s != "" {
					a.str("station", s)
					break
				}
			}
		}
	}
	if d, ok := u.findDate(t.c, past); ok {
		a.date("date", d)
	}
	return call("add_fuel_entry", a), true
}

// readFill finds volume, price per unit, total and odometer, marking their tokens used.
func (t *turn) readFill() fillUp {
	u := t.u
	var f fillUp
	// Odometer first so its number is not read as a volume or price.
	for i := range u.toks {
		switch u.word(i) {
		case "odometer", "odo", "odometer:", "odo:":
			j := i + 1
			for j < len(u.toks) && (u.word(j) == "at" || u.word(j) == "is" || u.word(j) == "of" || u.word(j) == "reading" || u.word(j) == "reads" || u.word(j) == "was") {
				j++
			}
			if d, ok := parseNumber(u.word(j)); ok {
				f.odometer = numberString(d)
				for k := i; k <= j; k++ {
					u.used.set(k)
				}
				if volumeUnit(u.word(j+1)) == "" && isUnitWord(u.word(j+1)) {
					u.used.set(j + 1)
				}
			}
		}
	}
	for i := range u.toks {
		if u.used.has(i) {
			continue
		}
		w := u.word(i)
		// "62.3 litres", "62.3L"
		if d, unit, ok := splitUnitSuffix(w); ok && f.volume == nil {
			f.volume, f.unit = &d, unit
			u.used.set(i)
			continue
		}
		d, marker, ok := parseMoneyToken(w)
		if !ok {
			continue
		}
		next := u.word(i + 1)
		if unit := volumeUnit(next); unit != "" && marker == "" && f.volume == nil && !perWord(u.word(i-1)) {
			f.volume, f.unit = &d, unit
			u.used.set(i)
			u.used.set(i + 1)
			continue
		}
		if perWord(next) && volumeUnit(u.word(i+2)) != "" && f.price == nil {
			f.price, f.priceUnit = &d, volumeUnit(u.word(i+2))
			u.used.set(i)
			u.used.set(i + 1)
			u.used.set(i + 2)
			continue
		}
		if u.word(i-1) == "at" && f.price == nil && d.LessThan(decimal.NewFromInt(20)) {
			f.price = &d
			u.used.set(i)
			u.used.set(i - 1)
			continue
		}
		if (marker != "" || currencyWord(next) != "" || u.word(i-1) == "total" || u.word(i+1) == "total") && f.total == nil {
			f.total = &d
			u.used.set(i)
			if currencyWord(next) != "" || next == "total" {
				u.used.set(i + 1)
			}
		}
	}
	return f
}

// mentionsVolume reports a volume unit ("litres", "gal", "62.3L").
func (u *utterance) mentionsVolume() bool {
	for _, tk := range u.toks {
		if volumeUnit(tk.s) != "" {
			return true
		}
		if _, _, ok := splitUnitSuffix(tk.s); ok {
			return true
		}
	}
	return false
}

func perWord(w string) bool { return w == "a" || w == "an" || w == "per" || w == "/" || w == "each" }

func fuelStatsIntent(t *turn) (plan, bool) {
	u := t.u
	fuelWord := u.has("fuel", "gas", "diesel", "petrol")
	asks := u.has("mpg", "economy", "efficiency", "consumption", "l/100km") ||
		(fuelWord && u.has("stats", "statistics", "usage", "history", "log")) ||
		(u.hasPrefix("fill-up", "fillup", "fill-ups") && u.isQuestion()) ||
		(fuelWord && u.phrase("how", "much") >= 0 && u.has("use", "used", "burn", "burned", "burnt", "bought", "buy", "pumped")) ||
		(u.has("mileage") && u.isQuestion()) ||
		(u.has("average", "avg") && (fuelWord || u.mentionsVolume() || u.has("gallon", "litre", "liter")))
	if !asks {
		return plan{}, false
	}
	a := newArgs()
	if p, ok := u.findPeriod(t.c); ok {
		p.set(a)
	}
	return call("get_fuel_stats", a), true
}

// distance finds "300 miles", "500km", "250 mi".
func (u *utterance) distance() (string, string, bool) {
	for i := range u.toks {
		if u.used.has(i) {
			continue
		}
		w := u.word(i)
		for _, suf := range [...]struct{ s, unit string }{{"miles", "mi"}, {"mi", "mi"}, {"km", "km"}, {"kms", "km"}} {
			if len(w) > len(suf.s) && strings.HasSuffix(w, suf.s) {
				if d, ok := parseNumber(w[:len(w)-len(suf.s)]); ok {
					u.used.set(i)
					return numberString(d), suf.unit, true
				}
			}
		}
		d, ok := parseNumber(w)
		if !ok {
			continue
		}
		unit := ""
		switch u.word(i + 1) {
		case "mi", "mile", "miles":
			unit = "mi"
		case "km", "kms", "kilometers", "kilometres", "k":
			unit = "km"
		}
		if unit != "" {
			u.used.set(i)
			u.used.set(i + 1)
			return numberString(d), unit, true
		}
	}
	return "", "", false
}

func gasCostIntent(t *turn) (plan, bool) {
	u := t.u
	if !u.has("gas", "fuel", "diesel", "petrol", "drive", "driving", "trip") ||
		!(u.has("cost", "costs", "price", "expensive") || u.phrase("how", "much") >= 0) {
		return plan{}, false
	}
	dist, unit, ok := u.distance()
	if !ok {
		return plan{}, false
	}
	a := newArgs().str("distance", dist).str("distance_unit", unit)
	for i := range u.toks {
		w := u.word(i)
		if strings.HasSuffix(w, "mpg") && len(w) > 3 {
			if d, ok := parseNumber(w[:len(w)-3]); ok {
				a.str("consumption", numberString(d))
				u.used.set(i)
			}
			continue
		}
		d, marker, ok := parseMoneyToken(w)
		if !ok || u.used.has(i) {
			continue
		}
		switch {
		case u.word(i+1) == "mpg":
			a.str("consumption", numberString(d))
			u.used.set(i)
		case u.word(i+1) == "l" && u.word(i+2) == "/" && u.word(i+3) == "100km":
			a.str("consumption", numberString(d))
			u.used.set(i)
		case marker != "" || perWord(u.word(i+1)) && volumeUnit(u.word(i+2)) != "":
			if !d.IsPositive() {
				return say("The fuel price must be above zero."), true
			}
			a.amount("fuel_price", d)
			u.used.set(i)
		}
	}
	return call("calculate_gas_cost", a), true
}

func cheapGasIntent(t *turn) (plan, bool) {
	u := t.u
	fuel := u.has("gas", "diesel", "fuel", "petrol", "propane")
	if !(fuel && (u.has("cheap", "cheapest", "cheaper", "lowest", "best", "prices", "price") && !u.has("cost") ||
		u.has("station", "stations", "station?") || u.has("find", "where", "nearest", "need") && !u.has("spent", "spend", "cost"))) {
		return plan{}, false
	}
	a := newArgs()
	if near, _ := u.placeAfter(0, "near", "in", "around", "at", "by", "outside"); near != "" {
		a.str("near", near)
	}
	return call("find_cheap_gas", a), true
}
