package delivery

import "context"

// AdmitFunc takes a place for one more concurrent turn of userID, or refuses
// (RATE_LIMITED); release frees it.
type AdmitFunc func(ctx context.Context, userID string) (release func(), err error)

// SetAdmission caps each user's concurrent synchronous turns (REST, SSE);
// the WebSocket queue already runs one user's turns one at a time.
func (s *Service) SetAdmission(f AdmitFunc) { s.admit.Store(&f) }

func (s *Service) admitTurn(ctx context.Context, userID string) (func(), error) {
	f := s.admit.Load()
	if f == nil {
		return func() {}, nil
	}
	return (*f)(ctx, userID)
}
