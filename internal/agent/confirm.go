package agent

import (
	"context"
	"regexp"
	"strings"

	"github.com/pamtravel/pam/internal/tools"
)

// Confirmer holds actions that need the user's explicit confirmation. The
// server, not the model, decides that a plain "yes" confirms the latest one.
type Confirmer interface {
	PendingFor(ctx context.Context, userID string) []tools.PendingAction
	Confirm(ctx context.Context, userID, actionID string) tools.Result
	Cancel(ctx context.Context, userID, actionID string) bool
}

var (
	affirmative = regexp.MustCompile(`^(yes|yep|yeah|y|confirm|confirmed|yes please|please do|do it|go ahead|ok|okay|sure)[.! ]*$`)
	negative    = regexp.MustCompile(`^(no|nope|n|cancel|don't|do not|stop|never mind|nevermind)[.! ]*$`)
)

// answerPending handles a yes/no reply to a pending action; ok is false when
// the message is not such a reply (the turn then runs normally).
func (a *Agent) answerPending(ctx context.Context, in Input) (*Output, bool) {
	if a.confirm == nil {
		return nil, false
	}
	text := strings.ToLower(strings.TrimSpace(in.Text))
	yes, no := affirmative.MatchString(text), negative.MatchString(text)
	if !yes && !no {
		return nil, false
	}
	pending := a.confirm.PendingFor(ctx, in.UserID)
	if len(pending) == 0 {
		return nil, false
	}
	latest := pending[len(pending)-1]
	out := &Output{Source: "pam"}
	if no {
		a.confirm.Cancel(ctx, in.UserID, latest.ID)
		out.Text = "OK, I won't do that."
		return out, true
	}
	res := a.confirm.Confirm(ctx, in.UserID, latest.ID)
	out.ToolCalls = []ToolCall{{Name: latest.Tool, Status: string(res.Status)}}
	out.UIActions = res.UIActions
	switch {
	case res.Summary != "":
		out.Text = res.Summary
	case res.Error != "":
		out.Text = res.Error
	default:
		out.Text = "Done."
	}
	return out, true
}
