package rules

import (
	"encoding/json"
	"strings"

	"github.com/pamtravel/pam/internal/llm"
)

// plan is what the rules brain decided: tool calls, or a text answer.
type plan struct {
	calls []toolCall
	text  string
}

type toolCall struct {
	name  string
	input json.RawMessage
}

func say(text string) plan { return plan{text: text} }

func call(name string, a *args) plan {
	return plan{calls: []toolCall{{name: name, input: a.json()}}}
}

// turn is one message being understood.
type turn struct {
	u     *utterance
	c     clock
	user  llm.UserContext
	towns func() Towns
}

// intents are tried in order; the first that recognises the message answers.
// Order matters: "remind me to pay $50 rent" is a reminder, "paid $85 for 20
// gallons" a fill-up, "I spent $80 on an oil change" an expense.
var intents = []func(*turn) (plan, bool){
	helpIntent,
	settingsIntent,
	calendarAddIntent,
	knowledgeIntent,
	deleteExpenseIntent,
	fuelFillIntent,
	exportIntent,
	budgetIntent,
	expenseIntent,
	spendingSummaryIntent,
	implicitExpenseIntent,
	savingsIntent,
	gasCostIntent,
	fuelStatsIntent,
	cheapGasIntent,
	maintenanceDueIntent,
	maintenanceLogIntent,
	travelTimeIntent,
	tripIntent,
	weatherIntent,
	saveSpotIntent,
	rvParksIntent,
	attractionsIntent,
	calendarListIntent,
	profileIntent,
	smallTalkIntent,
}

// isQuestion reports messages that ask rather than tell ("how much did I spend").
func (u *utterance) isQuestion() bool {
	switch u.word(0) {
	case "how", "what", "what's", "whats", "show", "list", "did", "do", "does", "when", "which", "where",
		"tell", "give", "is", "are", "any", "can", "could", "have", "has", "was", "were", "will", "should":
		return true
	}
	return strings.HasSuffix(strings.TrimSpace(u.orig), "?")
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// writesMoney reports a sum written with its currency ("$100", "30 euros").
func (t *turn) writesMoney() bool {
	var buf [8]amount
	for _, a := range t.u.findAmounts(t.user.Currency, buf[:0]) {
		if a.explicit {
			return true
		}
	}
	return false
}

// amount picks the amount to act on (the first with a currency, else the
// first bare number) and reports a refusal text when it cannot be recorded.
func (t *turn) amount() (amount, string, bool) {
	var buf [8]amount
	as := t.u.findAmounts(t.user.Currency, buf[:0])
	if len(as) == 0 {
		return amount{}, "", false
	}
	best := as[0]
	for _, a := range as {
		if a.explicit {
			best = a
			break
		}
	}
	if err := checkAmount(best.value); err != nil {
		return best, capitalize(err.Error()) + ", so I haven't recorded anything.", true
	}
	for k := best.tok; k < best.end; k++ {
		t.u.used.set(k)
	}
	return best, "", true
}
