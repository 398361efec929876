package rules

import (
	"encoding/json"
	"time"
)

// expenseVerb reports words that tell of money already spent.
func expenseVerb(w string) bool {
	switch w {
	case "spent", "paid", "bought", "charged", "spend", "purchased", "dropped", "blew", "forked":
		return true
	}
	return false
}

func expenseIntent(t *turn) (plan, bool) {
	u := t.u
	told := false
	for _, tk := range u.toks {
		if expenseVerb(tk.s) {
			told = true
			break
		}
	}
	if !told {
		told = u.phrase("cost", "me") >= 0 ||
			(u.hasPrefix("expense") && u.has("add", "log", "record", "new", "enter", "track"))
	}
	if !told || u.isQuestion() && !u.has("add", "log", "record") {
		return plan{}, false
	}
	// The words first: reading amounts makes their decimals.
	var buf [8]amount
	if u.has("total", "summary", "breakdown", "far", "all") && len(u.findAmounts(t.user.Currency, buf[:0])) == 0 {
		return plan{}, false
	}
	return t.expenses()
}

// implicitExpenseIntent reads terse notes such as "$45 for diesel" or "lunch $14.50 at Subway":
// a written sum of money plus what it was for, in a message that asks nothing.
func implicitExpenseIntent(t *turn) (plan, bool) {
	u := t.u
	if u.isQuestion() || u.has("find", "near", "under", "below", "cheap", "cheapest", "cheaper", "where", "budget", "cost",
		"costs", "price", "prices", "per", "mpg", "miles", "km", "remind", "trip", "plan", "save", "max", "less", "saved", "/") ||
		u.mentionsVolume() {
		return plan{}, false
	}
	for _, tk := range u.toks {
		if maintenanceVerb(tk.s) {
			return plan{}, false
		}
	}
	var buf [8]amount
	explicit := false
	for _, a := range u.findAmounts(t.user.Currency, buf[:0]) {
		explicit = explicit || a.explicit
	}
	if !explicit || (u.findCategory(0, len(u.toks), -1, -1) == "" && u.find(0, "at") < 0) {
		return plan{}, false
	}
	return t.expenses()
}

// expenses builds one create_expense per part of the message ("40 on food and 20 on gas").
func (t *turn) expenses() (plan, bool) {
	u := t.u
	date, ok := u.findDate(t.c, past)
	if !ok {
		date = t.c.day(0)
	}
	var partsBuf [4]int // room for two parts without growing
	parts := u.expenseParts(partsBuf[:0])
	var p plan
	for k := 0; k+1 < len(parts); k++ {
		sub := &turn{u: u, c: t.c, user: t.user, towns: t.towns}
		if len(parts) > 2 { // one part is the whole message
			sub.u = u.sub(parts[k], parts[k+1])
		}
		a, refusal, ok := sub.amount()
		if !ok {
			return say(askAmount + " For example: \"I spent $45.20 on diesel at Shell today\"."), true
		}
		if refusal != "" {
			return say(refusal), true
		}
		p.calls = append(p.calls, toolCall{name: "create_expense", input: sub.u.expenseArgs(a, date)})
	}
	return p, true
}

// expenseParts appends to buf the boundaries of the message's parts: a part
// starts at "and"/"plus" when what follows names its own amount. One part is
// [0, len).
func (u *utterance) expenseParts(buf []int) []int {
	parts := append(buf, 0)
	for i, tk := range u.toks {
		if (tk.s != "and" && tk.s != "plus") || i == 0 {
			continue
		}
		next := len(u.toks)
		for j := i + 1; j < len(u.toks); j++ {
			if u.toks[j].s == "and" || u.toks[j].s == "plus" {
				next = j
				break
			}
		}
		var buf [2]amount
		if len(u.sub(i+1, next).findAmounts("", buf[:0])) > 0 && len(u.sub(parts[len(parts)-1], i).findAmounts("", buf[:0])) > 0 {
			parts = append(parts, i)
		}
	}
	return append(parts, len(u.toks))
}

// sub returns the tokens [a, b) of u as an utterance of their own, keeping their used marks.
func (u *utterance) sub(a, b int) *utterance {
	s := &utterance{orig: u.orig, lower: u.lower, toks: u.toks[a:b]}
	for i := a; i < b; i++ {
		if u.used.has(i) {
			s.used.set(i - a)
		}
	}
	return s
}

// expenseArgs reads merchant, category and description around an amount
// already found, and returns create_expense's arguments (as JSON, so the
// builder stays on the stack).
func (u *utterance) expenseArgs(a amount, date time.Time) json.RawMessage {
	merchant, mFrom, mTo := "", -1, -1
	for i := u.find(0, "at"); i >= 0; i = u.find(i+1, "at") {
		if u.used.has(i) {
			continue
		}
		if m, end := u.placeFrom(i + 1); m != "" {
			merchant, mFrom, mTo = m, i+1, end
			break
		}
	}
	category := u.findCategory(0, len(u.toks), mFrom, mTo)
	description := ""
	if category == "" {
		category = "other"
		description = u.objectAfter("on", "for")
	}
	return newArgs().amount("amount", a.value).str("currency", a.currency).
		str("category", category).str("merchant", merchant).str("description", description).
		date("date", date).json()
}

// objectAfter reads what the money went on: "on a new hose" → "new hose".
func (u *utterance) objectAfter(preps ...string) string {
	for i := range u.toks {
		if u.used.has(i) {
			continue
		}
		for _, p := range preps {
			if u.toks[i].s != p {
				continue
			}
			j := i + 1
			for j < len(u.toks) && isArticle(u.word(j)) {
				j++
			}
			if s, _ := u.placeFrom(j); s != "" {
				return s
			}
		}
	}
	return ""
}

func isArticle(w string) bool {
	switch w {
	case "a", "an", "the", "some", "my", "our":
		return true
	}
	return false
}

func deleteExpenseIntent(t *turn) (plan, bool) {
	u := t.u
	if !u.has("delete", "remove", "undo", "cancel", "scratch", "erase") {
		return plan{}, false
	}
	if u.hasPrefix("event", "reminder", "appointment", "calendar", "trip", "fill", "fuel", "spot", "vehicle") {
		return plan{}, false
	}
	if !u.hasPrefix("expense", "purchase", "transaction", "entry") && !u.has("last", "that") {
		return plan{}, false
	}
	return call("delete_expense", newArgs().bool("last", true)), true
}

func spendingSummaryIntent(t *turn) (plan, bool) {
	u := t.u
	asks := (u.has("spend", "spent", "spending") && (u.isQuestion() || u.has("total", "summary", "breakdown"))) ||
		u.has("spending") ||
		(u.hasPrefix("expense") && u.has("show", "list", "my", "what", "summary", "total", "see"))
	if !asks {
		return plan{}, false
	}
	p, ok := u.findPeriod(t.c)
	if !ok {
		p = period{name: "this_month"}
	}
	a := newArgs()
	p.set(a)
	a.str("category", u.findCategory(0, len(u.toks), -1, -1))
	return call("get_spending_summary", a), true
}

func budgetIntent(t *turn) (plan, bool) {
	u := t.u
	if u.has("trip", "route", "drive") {
		return plan{}, false
	}
	if !u.hasPrefix("budget") && u.phrase("on", "track") < 0 && !u.has("predict", "projected", "projection") &&
		u.phrase("end", "of", "the", "month") < 0 && u.phrase("end", "of", "month") < 0 {
		return plan{}, false
	}
	if u.has("set", "change", "make", "update", "increase", "raise", "lower", "reduce", "put", "adjust", "create") && !u.isQuestion() ||
		u.phrase("budget", "of") >= 0 || u.phrase("budget", "to") >= 0 || !u.isQuestion() && t.writesMoney() {
		return setBudget(t)
	}
	category := u.findCategory(0, len(u.toks), -1, -1)
	if u.has("predict", "projected", "projection", "forecast", "project") || u.phrase("on", "track") >= 0 ||
		u.phrase("end", "of", "the", "month") >= 0 || u.phrase("end", "of", "month") >= 0 ||
		u.phrase("will", "i", "go", "over") >= 0 {
		return call("predict_end_of_month", newArgs().str("category", category)), true
	}
	if category != "" {
		return call("compare_vs_budget", newArgs().str("category", category)), true
	}
	a := newArgs()
	if p, ok := u.findPeriod(t.c); ok {
		switch p.name { // budgets run by week or month
		case "this_week", "last_week", "this_month", "last_month":
			a.str("period", p.name)
		}
	}
	return call("analyze_budget", a), true
}

func setBudget(t *turn) (plan, bool) {
	u := t.u
	a, refusal, ok := t.amount()
	if !ok {
		return say(askBudgetAmount + " For example: \"Set my fuel budget to $400 a month\"."), true
	}
	if refusal != "" {
		return say(refusal), true
	}
	category := u.findCategory(0, len(u.toks), -1, -1)
	if category == "" {
		return say(askBudgetCategory + " (fuel, food, groceries, camping, …)? For example: \"Set my fuel budget to $400 a month\"."), true
	}
	per := "monthly"
	if u.has("week", "weekly", "wk") {
		per = "weekly"
	}
	return call("update_budget", newArgs().str("category", category).amount("amount", a.value).str("period", per)), true
}

func savingsIntent(t *turn) (plan, bool) {
	u := t.u
	if u.has("saved") && !u.isQuestion() {
		return say("I can't log a saving by myself yet: it needs what it would have cost and what you paid. " +
			"You can ask me \"How much have I saved this month?\""), true
	}
	if !(u.has("savings") || u.has("saved") && u.isQuestion()) {
		return plan{}, false
	}
	a := newArgs()
	if p, ok := u.findPeriod(t.c); ok {
		p.set(a)
	}
	return call("get_savings_summary", a), true
}

func exportIntent(t *turn) (plan, bool) {
	u := t.u
	if !u.has("export", "download") || !u.hasPrefix("report", "budget", "expense", "spending", "csv", "json") {
		return plan{}, false
	}
	format := "csv"
	if u.has("json") {
		format = "json"
	}
	a := newArgs().str("format", format)
	if p, ok := u.findPeriod(t.c); ok {
		p.set(a)
	}
	return call("export_budget_report", a), true
}
