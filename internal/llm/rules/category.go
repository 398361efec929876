package rules

// categoryWord maps a word to an expense category (see CATALOG.md), or "".
func categoryWord(w string) string {
	switch w {
	case "diesel", "gas", "gasoline", "petrol", "fuel", "unleaded", "refuel", "def":
		return "fuel"
	case "campground", "campgrounds", "campsite", "campsites", "camping", "koa", "rv-park", "hookups", "hookup":
		return "camping"
	case "groceries", "grocery", "supermarket":
		return "groceries"
	case "dinner", "lunch", "breakfast", "brunch", "restaurant", "restaurants", "coffee", "takeout", "takeaway",
		"pizza", "burger", "burgers", "meal", "meals", "snacks", "drinks", "beer", "cafe", "food", "eating":
		return "food"
	case "maintenance", "service", "servicing", "tires", "tyres", "tire", "tyre", "wash", "oil":
		return "maintenance"
	case "repair", "repairs", "mechanic", "fix", "fixed", "parts":
		return "repairs"
	case "insurance":
		return "insurance"
	case "propane", "lpg", "electricity", "electric", "water", "internet", "wifi", "phone", "starlink", "laundry", "utilities":
		return "utilities"
	case "movie", "movies", "museum", "tour", "tickets", "ticket", "concert", "golf", "admission", "entertainment":
		return "entertainment"
	case "clothes", "shopping", "amazon", "souvenirs", "souvenir", "gifts", "gift", "hardware":
		return "shopping"
	case "toll", "tolls", "ferry", "parking", "uber", "taxi", "bus", "train", "tow", "towing", "transport":
		return "transport"
	case "pharmacy", "doctor", "dentist", "medicine", "prescription", "prescriptions", "hospital", "clinic", "health", "vet":
		return "health"
	case "fee", "fees", "permit", "pass", "dump":
		return "fees"
	}
	return ""
}

// merchantCategory guesses a category from a well-known merchant name.
func merchantCategory(w string) string {
	switch w {
	case "shell", "chevron", "exxon", "mobil", "bp", "pilot", "loves", "love's", "conoco", "sinclair", "caltex", "ampol", "arco", "valero", "costco-gas", "maverik", "sheetz", "wawa":
		return "fuel"
	case "walmart", "costco", "safeway", "kroger", "aldi", "albertsons", "publix", "heb", "woolworths", "coles", "trader", "whole":
		return "groceries"
	case "koa", "thousand", "campendium":
		return "camping"
	case "mcdonald's", "mcdonalds", "starbucks", "subway", "denny's", "dennys":
		return "food"
	}
	return ""
}

// findCategory reads the category named in tokens [from, to) outside the merchant span
// [mFrom, mTo); the merchant's own name is the last resort. Two-word names come first.
func (u *utterance) findCategory(from, to, mFrom, mTo int) string {
	to = min(to, len(u.toks))
	for i := max(from, 0); i+1 < to; i++ {
		switch u.word(i) + " " + u.word(i+1) {
		case "rv park", "rv parks", "site fee", "campsite fee", "caravan park", "state park", "rv site":
			return "camping"
		case "dump station", "park pass", "entrance fee":
			return "fees"
		case "tire repair", "tyre repair", "engine repair", "roof repair":
			return "repairs"
		case "oil change", "tire rotation":
			return "maintenance"
		case "gas station", "fuel station", "flying j", "truck stop":
			return "fuel"
		case "fast food", "ice cream":
			return "food"
		}
	}
	for i := max(from, 0); i < to; i++ {
		if i >= mFrom && i < mTo {
			continue
		}
		if c := categoryWord(u.word(i)); c != "" {
			return c
		}
	}
	for i := max(mFrom, 0); i < mTo && i < len(u.toks); i++ {
		if c := merchantCategory(u.word(i)); c != "" {
			return c
		}
		if c := categoryWord(u.word(i)); c != "" {
			return c
		}
	}
	return ""
}
