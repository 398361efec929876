package rules

// maintenanceVerb reports words that tell of maintenance done.
func maintenanceVerb(w string) bool {
	switch w {
	case "changed", "replaced", "rotated", "serviced", "flushed", "inspected", "repacked", "greased", "lubed",
		"aligned", "balanced", "winterized", "winterised", "dewinterized", "resealed", "sealed", "topped", "cleaned", "tuned":
		return true
	}
	return false
}

// maintenanceTask names a known task from the message, or "".
func (u *utterance) maintenanceTask() string {
	switch {
	case u.has("oil") && (u.hasPrefix("chang") || u.has("oil-change")):
		return "Oil change"
	case u.hasPrefix("tire", "tyre") && u.hasPrefix("rotat"):
		return "Tire rotation"
	case u.hasPrefix("tire", "tyre") && (u.has("replaced", "new")):
		return "Tire replacement"
	case u.hasPrefix("brake"):
		return "Brake service"
	case u.hasPrefix("generator"):
		return "Generator service"
	case u.phrase("air", "filter") >= 0:
		return "Air filter replacement"
	case u.phrase("fuel", "filter") >= 0:
		return "Fuel filter replacement"
	case u.hasPrefix("batter"):
		return "Battery replacement"
	case u.hasPrefix("coolant", "antifreeze"):
		return "Coolant flush"
	case u.hasPrefix("transmission"):
		return "Transmission service"
	case u.hasPrefix("bearing"):
		return "Wheel bearing service"
	case u.has("roof"):
		return "Roof maintenance"
	case u.hasPrefix("winteriz", "winteris", "dewinteriz"):
		return "Winterizing"
	case u.hasPrefix("align"):
		return "Wheel alignment"
	}
	return ""
}

func maintenanceDueIntent(t *turn) (plan, bool) {
	u := t.u
	topic := u.hasPrefix("maintenance", "service", "servicing") || u.phrase("oil", "change") >= 0 || u.maintenanceTask() != "" && u.isQuestion()
	if !topic || !(u.has("due", "next", "upcoming", "overdue", "when", "need", "needs", "coming") || u.isQuestion() && !u.has("log", "record")) {
		return plan{}, false
	}
	for _, tk := range u.toks {
		if maintenanceVerb(tk.s) {
			return plan{}, false
		}
	}
	return call("get_maintenance_due", newArgs()), true
}

func maintenanceLogIntent(t *turn) (plan, bool) {
	u := t.u
	verb := -1
	for i, tk := range u.toks {
		if maintenanceVerb(tk.s) {
			verb = i
			break
		}
	}
	logIt := u.has("log", "record", "add") && u.hasPrefix("maintenance", "service")
	task := u.maintenanceTask()
	if verb < 0 && !logIt && !(task != "" && u.has("did", "got", "had", "done")) {
		return plan{}, false
	}
	if verb >= 0 && task == "" && !logIt && !u.has("i", "we") {
		return plan{}, false
	}
	odo := u.odometer()
	date, hasDate := u.findDate(t.c, past)
	cost := ""
	var buf [4]amount
	for _, am := range u.findAmounts(t.user.Currency, buf[:0]) {
		if !am.explicit {
			continue
		}
		if err := checkAmount(am.value); err != nil {
			return say("The cost: " + err.Error() + ", so I haven't logged anything."), true
		}
		cost = amountString(am.value)
		for k := am.tok; k < am.end; k++ {
			u.used.set(k)
		}
		if w := u.word(am.tok - 1); w == "for" || w == "cost" {
			u.used.set(am.tok - 1)
		}
		break
	}
	if task == "" {
		from := 0
		if i := u.find(0, "maintenance"); logIt && i >= 0 {
			from = i + 1
		} else if verb >= 0 {
			from = verb
		}
		for from < len(u.toks) && (u.word(from) == "i" || u.word(from) == "we") {
			from++
		}
		task = u.title(from, len(u.toks))
	}
	if task == "" {
		return say("What maintenance was done? For example: \"I changed the oil today at 48,500 miles\"."), true
	}
	a := newArgs().str("task", task)
	if hasDate {
		a.date("date", date)
	}
	a.str("odometer", odo).str("cost", cost)
	return call("log_maintenance", a), true
}

// odometer reads "odometer 48210", "at 48,500 miles", "48500 km" and marks the tokens used.
func (u *utterance) odometer() string {
	for i := range u.toks {
		w := u.word(i)
		if w == "odometer" || w == "odo" || w == "mileage" {
			j := i + 1
			for u.word(j) == "at" || u.word(j) == "is" || u.word(j) == "of" || u.word(j) == "reading" || u.word(j) == "was" {
				j++
			}
			if d, ok := parseNumber(u.word(j)); ok {
				for k := i; k <= j; k++ {
					u.used.set(k)
				}
				return numberString(d)
			}
		}
		if d, ok := parseNumber(w); ok && d.IntPart() >= 100 {
			switch u.word(i + 1) {
			case "miles", "mi", "km", "kms", "kilometers", "kilometres":
				u.used.set(i)
				u.used.set(i + 1)
				if u.word(i-1) == "at" {
					u.used.set(i - 1)
				}
				return numberString(d)
			}
		}
	}
	return ""
}
