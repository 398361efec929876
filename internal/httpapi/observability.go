package httpapi

import (
	"context"
	"net/http"

	"github.com/pamtravel/pam/internal/pamerr"
)

// adminViewer is what the observability view needs of the metrics
// (observe.Metrics implements it).
type adminViewer interface {
	AdminView(ctx context.Context) any
}

// handleObservability serves the admin JSON view of PAM's metrics, alerts,
// monitors and scaling signal: GET /api/v1/observability/metrics.
func (s *server) handleObservability(w http.ResponseWriter, r *http.Request) error {
	v, ok := s.metrics.(adminViewer)
	if !ok {
		return pamerr.New(pamerr.NotFound, "observability is not enabled on this instance")
	}
	encode(w, http.StatusOK, v.AdminView(r.Context()))
	return nil
}
