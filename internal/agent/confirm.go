package agent

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

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

// yesOrNo reports whether text is a plain yes or no. Every such reply starts
// with one of a few letters, so most messages are told apart by their first
// byte, without lower-casing a copy of them.
func yesOrNo(text string) (yes, no bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return false, false
	}
	if c := text[0] | 0x20; text[0] < utf8.RuneSelf && !strings.ContainsRune(replyInitials, rune(c)) {
		return false, false
	}
	text = strings.ToLower(text)
	return affirmative.MatchString(text), negative.MatchString(text)
}

// replyInitials are the first letters of the affirmative and negative replies.
const replyInitials = "ycpdgosn"

// answerPending handles a yes/no reply to a pending action; ok is false when
// the message is not such a reply (the turn then runs normally).
func (a *Agent) answerPending(ctx context.Context, in Input) (*Output, bool) {
	if a.confirm == nil {
		return nil, false
	}
	yes, no := yesOrNo(in.Text)
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
