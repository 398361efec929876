package rules

// helpText lists what the rules brain understands.
const helpText = "I can help with:\n" +
	"- Expenses: \"I spent $45.20 on diesel at Shell today\", \"delete my last expense\"\n" +
	"- Spending and budgets: \"How much did I spend on fuel this month?\", \"Set my fuel budget to $400 a month\", \"How's my budget looking?\"\n" +
	"- Fuel: \"I filled up 62.3 litres at 1.89 a litre\", \"What's my fuel economy?\", \"Gas cost for 300 miles\", \"Cheap diesel near Flagstaff\"\n" +
	"- Trips and places: \"Plan a trip from Denver to Moab\", \"How long to drive to Moab?\", \"RV parks near Moab\", \"Things to do in Sedona\"\n" +
	"- Weather: \"What's the weather in Moab tomorrow?\"\n" +
	"- Calendar: \"Remind me to dump tanks Friday at 10am\", \"What's on my calendar this week?\"\n" +
	"- Maintenance: \"I changed the oil at 48,500 miles\", \"What maintenance is due?\"\n" +
	"- Settings: \"Switch to metric\", \"My currency is AUD\", \"My time zone is America/Denver\""

// notUnderstood answers a message the rules brain cannot read.
const notUnderstood = "Sorry, I didn't understand that. " + helpText

func helpIntent(t *turn) (plan, bool) {
	u := t.u
	if u.has("help", "commands") && len(u.toks) <= 6 ||
		u.phrase("what", "can", "you", "do") >= 0 || u.phrase("what", "do", "you", "do") >= 0 ||
		u.phrase("how", "do", "you", "work") >= 0 || u.phrase("what", "can", "i", "ask") >= 0 {
		return say(helpText), true
	}
	return plan{}, false
}

func smallTalkIntent(t *turn) (plan, bool) {
	u := t.u
	switch {
	case len(u.toks) <= 3 && u.has("no", "nope", "nah"):
		return say("Okay! Let me know if you need anything."), true
	case len(u.toks) <= 4 && u.has("thanks", "thank", "thx", "cheers", "ty"):
		return say("You're welcome! Anything else I can help with?"), true
	case len(u.toks) <= 4 && u.has("hi", "hello", "hey", "howdy", "g'day", "morning", "evening", "afternoon"):
		return say("Hi! I'm PAM. " + helpText), true
	}
	return plan{}, false
}
