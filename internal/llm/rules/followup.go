package rules

import (
	"strings"

	"github.com/pamtravel/pam/internal/llm"
)

// Questions the rules brain asks when a request lacks one piece. When the next
// message answers one ("$45", "Denver"), it is read together with the request
// it completes, joined by the word that makes the pair one sentence.
const (
	askAmount         = "How much was it?"
	askStart          = "Where are you starting from?"
	askDestination    = "Where would you like to go?"
	askWhen           = "When should that be?"
	askTitle          = "What should I call it?"
	askBudgetAmount   = "What amount should the budget be?"
	askBudgetCategory = "Which category is that budget for"
	askFill           = "To log a fill-up I need two of"
)

var followUpJoins = [...]struct{ question, join string }{
	{askAmount, " "}, {askStart, " from "}, {askDestination, " to "}, {askWhen, " "},
	{askTitle, " to "}, {askBudgetAmount, " "}, {askBudgetCategory, " "}, {askFill, " "},
}

// completedRequest returns the earlier request joined with the answer when the
// assistant's last message was one of the questions above.
func completedRequest(msgs []llm.Message) (string, bool) {
	n := len(msgs)
	if n < 3 || msgs[n-2].Role != llm.RoleAssistant || msgs[n-3].Role != llm.RoleUser {
		return "", false
	}
	asked := msgs[n-2].Text()
	for _, f := range followUpJoins {
		if strings.HasPrefix(asked, f.question) {
			return msgs[n-3].Text() + f.join + msgs[n-1].Text(), true
		}
	}
	return "", false
}
