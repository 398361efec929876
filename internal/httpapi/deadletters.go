package httpapi

import (
	"net/http"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

func (s *server) handleDeadLetters(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.store.ListDeadLetters(r.Context(), p)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

// handleRetryDeadLetter re-runs a dead-lettered turn; the answer also reaches
// the user's connections as a durable message.
func (s *server) handleRetryDeadLetter(w http.ResponseWriter, r *http.Request) error {
	res, err := s.delivery.RetryDeadLetter(r.Context(), r.PathValue("id"))
	if err != nil {
		if store.IsNotFound(err) {
			return notFound("dead letter")
		}
		return err
	}
	if res.ErrCode != "" {
		return pamerr.New(pamerr.Code(res.ErrCode), "%s", res.ErrMsg)
	}
	encode(w, http.StatusOK, res.Response())
	return nil
}

func (s *server) handleDiscardDeadLetter(w http.ResponseWriter, r *http.Request) error {
	if err := s.delivery.DiscardDeadLetter(r.Context(), r.PathValue("id")); err != nil {
		if store.IsNotFound(err) {
			return notFound("dead letter")
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
