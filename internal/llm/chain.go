package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// User-visible notes of a degraded answer.
const (
	NoteOffline  = "The AI assistant is unavailable right now, so PAM's offline assistant answered."
	NoteBackup   = "The main AI model is unavailable right now, so a backup model answered."
	NoteBudget   = "Today's AI budget is used up, so a cheaper assistant answered."
	NoteCutShort = "The answer was cut short because the AI model stopped responding."
)

// chain tries its links in order.
type chain struct {
	links []Model
	o     options
	now   func() time.Time
}

// NewChain returns a Model that asks links in order and falls to the next on
// failure (an open breaker fails at once) as long as no text was streamed to
// the caller. Once text was passed on, a failure ends the answer there: the
// Response holds what was said, Degraded and NoteCutShort. An answer from any
// link but the first is Degraded with a note for the user. With WithSpend,
// costs are recorded and, once a daily ceiling is reached, links that are not
// free are skipped (the last link, normally rules, always runs).
func NewChain(links []Model, opts ...Option) Model {
	return &chain{links: links, o: buildOptions(opts), now: time.Now}
}

// Name is the first link's name: who answers when all is well.
func (c *chain) Name() string {
	if len(c.links) == 0 {
		return "empty-chain"
	}
	return c.links[0].Name()
}

func (c *chain) Generate(ctx context.Context, req *Request, onDelta DeltaFunc) (*Response, error) {
	if len(c.links) == 0 {
		return nil, errors.New("llm: empty model chain")
	}
	var (
		mu   sync.Mutex
		said strings.Builder
	)
	var relay DeltaFunc
	if onDelta != nil {
		relay = func(text string) {
			mu.Lock()
			said.WriteString(text)
			mu.Unlock()
			onDelta(text)
		}
	}
	modelCtx := ctx // for every link but the last
	if c.o.turn > 0 {
		var cancel context.CancelFunc
		modelCtx, cancel = context.WithTimeout(ctx, c.o.turn)
		defer cancel()
	}
	overBudget := c.overBudget(ctx, req.UserID)
	var failures []error
	budgetSkipped := false
	for i, link := range c.links {
		last := i == len(c.links)-1
		if overBudget && !last && !c.o.prices.IsFree(link.Name()) {
			budgetSkipped = true
			err := &ProviderError{Provider: link.Name(), Kind: KindBudget, Err: errors.New("daily spend ceiling reached")}
			failures = append(failures, err)
			c.o.observer.Fallback(link.Name(), c.nextName(i), err)
			continue
		}
		linkCtx := modelCtx
		if last {
			linkCtx = ctx
		}
		resp, err := link.Generate(linkCtx, req, relay)
		if err == nil {
			c.account(ctx, req.UserID, link, resp)
			if i > 0 {
				resp.Degraded = true
				resp.Notes = append(resp.Notes, c.note(link, budgetSkipped))
			}
			return resp, nil
		}
		mu.Lock()
		partial := said.String()
		mu.Unlock()
		if partial != "" {
			c.o.logger.Warn("llm stream failed after text was sent", slog.String("model", link.Name()), slog.String("error", err.Error()))
			return &Response{
				Content:    []Block{{Type: BlockText, Text: partial}},
				StopReason: StopEnd,
				Model:      link.Name(),
				Degraded:   true,
				Notes:      []string{NoteCutShort},
			}, nil
		}
		failures = append(failures, err)
		if ctx.Err() != nil {
			break // the caller is gone: nobody to answer
		}
		if !last {
			c.o.logger.Warn("llm fallback", slog.String("from", link.Name()), slog.String("to", c.nextName(i)), slog.String("error", err.Error()))
			c.o.observer.Fallback(link.Name(), c.nextName(i), err)
		}
	}
	return nil, fmt.Errorf("llm: no model in the chain answered: %w", errors.Join(failures...))
}

func (c *chain) nextName(i int) string {
	if i+1 < len(c.links) {
		return c.links[i+1].Name()
	}
	return ""
}

func (c *chain) note(link Model, budgetSkipped bool) string {
	switch {
	case budgetSkipped:
		return NoteBudget
	case link.Name() == ProviderRules:
		return NoteOffline
	default:
		return NoteBackup
	}
}

// overBudget reports whether a daily ceiling is reached. A failing Spend
// store does not stop answers: it is logged and the ceiling ignored.
func (c *chain) overBudget(ctx context.Context, userID string) bool {
	if c.o.spend == nil {
		return false
	}
	user, global, err := c.o.spend.Totals(ctx, userID, c.now())
	if err != nil {
		c.o.logger.Warn("llm spend totals unavailable; ceilings not enforced", slog.String("error", err.Error()))
		return false
	}
	return c.o.limits.exceeded(user, global)
}

// account records what resp cost and raises the 80 % alerts.
func (c *chain) account(ctx context.Context, userID string, link Model, resp *Response) {
	if resp.Model == "" {
		resp.Model = link.Name()
	}
	cost := c.o.prices.Cost(resp.Model, resp.Usage)
	c.o.observer.Cost(resp.Model, userID, cost, resp.Usage)
	if c.o.spend == nil || cost.IsZero() {
		return
	}
	at := c.now()
	user, global, err := c.o.spend.Add(ctx, userID, cost, at)
	if err != nil {
		c.o.logger.Warn("llm spend not recorded", slog.String("error", err.Error()))
		return
	}
	if c.o.limits.OnAlert == nil {
		return
	}
	for _, a := range c.o.limits.alerts(userID, user.Sub(cost), user, global.Sub(cost), global) {
		c.o.limits.OnAlert(a)
	}
}
