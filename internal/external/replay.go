package external

import (
	"bytes"
	"embed"
	"io"
	"net/http"
	"strings"
)

// Recorded responses, written by hand from each service's documented response
// shape (there is no network where PAM is developed). Tests serve them from
// httptest servers; replay mode (development) answers every request from them.
//
//go:embed testdata/replay/*.json
var recordings embed.FS

// replayFuelFeedURL is the feed URL used in replay mode when none is configured.
const replayFuelFeedURL = "https://replay.invalid/fuel/cma.json"

// Recording returns a recorded response by file name ("osrm_route.json").
func Recording(name string) ([]byte, error) {
	return recordings.ReadFile("testdata/replay/" + name)
}

// ReplayTransport answers requests to any of PAM's sources from the
// recordings, whatever the host: development without network. The answers are
// fixed samples (near Moab, UT and Bath, UK), not data for the asked place.
func ReplayTransport() http.RoundTripper { return replayTransport{} }

type replayTransport struct{}

func (replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	name, status := replayFor(req)
	body, err := Recording(name)
	if err != nil {
		status, body = http.StatusNotFound, []byte(`{"error":true,"reason":"no recording"}`)
	}
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode:    status,
		Status:        http.StatusText(status),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

func replayFor(req *http.Request) (string, int) {
	path := req.URL.Path
	switch {
	case strings.HasSuffix(path, "/v1/forecast"):
		return "openmeteo_forecast.json", http.StatusOK
	case strings.HasSuffix(path, "/v1/search"):
		if strings.EqualFold(req.URL.Query().Get("name"), "moab") {
			return "geocoding_moab.json", http.StatusOK
		}
		return "geocoding_empty.json", http.StatusOK
	case strings.Contains(path, "/route/v1/driving/"):
		return "osrm_route.json", http.StatusOK
	case strings.HasSuffix(path, "/fuel/cma.json"):
		return "fuel_feed_cma.json", http.StatusOK
	case req.Method == http.MethodPost:
		var q []byte
		if req.Body != nil {
			q, _ = io.ReadAll(io.LimitReader(req.Body, 1<<16))
		}
		query := string(q)
		switch {
		case strings.Contains(query, "caravan_site"):
			return "overpass_campsites.json", http.StatusOK
		case strings.Contains(query, "fuel"):
			return "overpass_fuel.json", http.StatusOK
		case strings.Contains(query, "tourism") || strings.Contains(query, "historic") || strings.Contains(query, "boundary"):
			return "overpass_attractions.json", http.StatusOK
		default:
			return "overpass_empty.json", http.StatusOK
		}
	}
	return "", http.StatusNotFound
}
