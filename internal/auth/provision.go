package auth

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"

	"github.com/pamtravel/pam/internal/store"
)

// provisioned remembers the outside subjects known to have a PAM account, so
// only a subject's first token costs a lookup.
type provisioned struct {
	mu   sync.Mutex
	seen map[string]bool
}

// maxProvisioned bounds the memory; past it the memory starts over (a lookup each).
const maxProvisioned = 100_000

func (p *provisioned) known(sub string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[sub]
}

func (p *provisioned) add(sub string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil || len(p.seen) >= maxProvisioned {
		p.seen = map[string]bool{}
	}
	p.seen[sub] = true
}

// provision creates the PAM account of an outside identity provider's user
// on first sight, with the token's subject as its id (so the original app's
// user ids keep working) and no password (it can only sign in through the
// provider). The token's email is kept when free; otherwise — and when it
// has none — a placeholder under .invalid, so an outside account never takes
// over a local one with the same email.
func (s *Service) provision(ctx context.Context, c Claims, email string) error {
	if s.seenExternal.known(c.UserID) {
		return nil
	}
	_, err := s.users.UserByID(ctx, c.UserID)
	if err == nil {
		s.seenExternal.add(c.UserID)
		return nil
	}
	if !store.IsNotFound(err) {
		return fmt.Errorf("look up external user: %w", err)
	}
	name := ""
	if a, perr := mail.ParseAddress(email); perr == nil && a.Address == email && len(email) <= 254 {
		name = strings.SplitN(email, "@", 2)[0]
	} else {
		email = ""
	}
	placeholder := "ext-" + strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r == '.' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			return r
		}
		return '_'
	}, c.UserID) + "@users.external.invalid"
	for _, addr := range []string{email, placeholder} {
		if addr == "" {
			continue
		}
		u := &store.User{ID: c.UserID, Email: addr, DisplayName: name, Role: store.RoleUser}
		err = s.users.CreateUser(ctx, u)
		if err == nil || !store.IsConflict(err) {
			break
		}
		// The email is taken, or a concurrent first request created the account.
		if _, e2 := s.users.UserByID(ctx, c.UserID); e2 == nil {
			err = nil
			break
		}
	}
	if err != nil {
		return fmt.Errorf("create external user: %w", err)
	}
	s.seenExternal.add(c.UserID)
	return nil
}
