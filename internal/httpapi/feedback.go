package httpapi

import (
	"net/http"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/safety"
	"github.com/pamtravel/pam/internal/store"
)

const maxFeedbackNote = 1000

type feedbackIn struct {
	Rating string `json:"rating"` // "up" or "down"
	Note   string `json:"note,omitempty"`
}

// handleMessageFeedback: POST /api/v1/messages/{id}/feedback {rating, note?}
// on one of the caller's messages; giving it again replaces it.
func (s *server) handleMessageFeedback(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id == "" || len(id) > 128 {
		return pamerr.Invalid("id", "message id is not valid")
	}
	in, err := decode[feedbackIn](r)
	if err != nil {
		return err
	}
	if in.Rating != store.RatingUp && in.Rating != store.RatingDown {
		return pamerr.Invalid("rating", "rating must be \"up\" or \"down\"")
	}
	if in.Note != "" {
		if utf8.RuneCountInString(in.Note) > maxFeedbackNote {
			return pamerr.Invalid("note", "note must be at most %d characters", maxFeedbackNote)
		}
		if in.Note, err = safety.CleanText(in.Note, safety.Limits{MaxChars: maxFeedbackNote}); err != nil {
			return err
		}
		in.Note = safety.RedactString(in.Note) // admins read notes; secrets stay out
	}
	f := &store.Feedback{UserID: userID(r), MessageID: id, Rating: in.Rating, Note: in.Note}
	if err := s.store.SaveFeedback(r.Context(), f); err != nil {
		return err
	}
	encode(w, http.StatusOK, f)
	return nil
}

// handleAdminFeedback: GET /api/v1/admin/feedback — every user's feedback, newest first.
func (s *server) handleAdminFeedback(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.store.ListFeedback(r.Context(), p)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}
