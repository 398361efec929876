package chaos

import (
	"context"
	"fmt"

	"github.com/pamtravel/pam/internal/tools"
)

// WrapTools makes every tool of reg hang, with the tool_timeout rate, until
// the executor's timeout ends the attempt — before the real handler runs, as
// a tool stuck on a slow dependency would. Call it once, before serving.
func (i *Injector) WrapTools(reg *tools.Registry) {
	if i == nil || i.Rate(ToolTimeout) <= 0 {
		return
	}
	for _, t := range reg.All() {
		next, name := t.Handler, t.Name
		t.Handler = func(ctx context.Context, call *tools.Call) (*tools.Result, error) {
			if i.Hit(ToolTimeout) {
				<-ctx.Done()
				return nil, fmt.Errorf("chaos: tool %s hung: %w", name, ctx.Err())
			}
			return next(ctx, call)
		}
	}
}
