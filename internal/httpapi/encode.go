package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/pamerr"
)

// maxBody bounds every JSON request body.
const maxBody = 1 << 20

// jsonContentType is the Content-Type of every JSON response, one value
// shared by all: header values are replaced, never written in place (net/http
// copies them when it sends the header), so no response needs its own.
var jsonContentType = []string{"application/json; charset=utf-8"}

// encode writes v as JSON with status.
func encode(w http.ResponseWriter, status int, v any) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v: bounded size, valid UTF-8, no unknown
// trailing data. Errors are INVALID_INPUT naming the field where possible.
func decode[T any](r *http.Request) (T, error) {
	var v T
	body, err := readJSONBody(r)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return v, jsonError(err)
	}
	return v, nil
}

// readJSONBody reads a request body for decoding: bounded size, valid UTF-8.
func readJSONBody(r *http.Request) ([]byte, error) {
	body, err := readBody(r.Body, r.ContentLength)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, pamerr.New(pamerr.MessageTooLarge, "request body is larger than %d bytes", maxBody)
		}
		return nil, pamerr.Invalid("body", "could not read the request body")
	}
	if !utf8.Valid(body) {
		return nil, pamerr.Invalid("body", "request body is not valid UTF-8")
	}
	return body, nil
}

// readBody reads all of body, refusing more than maxBody bytes with an
// *http.MaxBytesError. size is the announced length (-1 when unknown): the
// buffer is made for it at once, so a known body is read with one allocation.
func readBody(body io.Reader, size int64) ([]byte, error) {
	n := 512
	if size >= 0 && size <= maxBody {
		n = int(size) + 1 // room to see the end of the body without growing
	}
	buf := make([]byte, 0, n)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		// One byte past the limit tells an oversized body.
		m, err := body.Read(buf[len(buf):min(cap(buf), maxBody+1)])
		buf = buf[:len(buf)+m]
		if len(buf) > maxBody {
			return nil, &http.MaxBytesError{Limit: maxBody}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return pamerr.Invalid(typeErr.Field, "field %q must be %s", typeErr.Field, typeErr.Type.String())
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return pamerr.Invalid("body", "malformed JSON at byte %d", syn.Offset)
	}
	return pamerr.Invalid("body", "malformed JSON: %v", err)
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id"`
}

// writeError maps err once to its status and envelope; internals are logged, never shown.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeErrorTo(w, r, err, reporterFrom(r.Context()))
}

// writeErrorTo is writeError telling report (nil: logging it instead).
func writeErrorTo(w http.ResponseWriter, r *http.Request, err error, report ErrorReporter) {
	code := pamerr.CodeOf(err)
	status := pamerr.Status(code)
	var pe *pamerr.Error
	field := ""
	if errors.As(err, &pe) {
		field = pe.Field
	}
	if ra := pamerr.RetryAfterOf(err); ra > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((ra+999_999_999)/1_000_000_000)))
	}
	if report != nil {
		report(r.Context(), "http", err) // one taxonomy: logs (stack for unknown errors), metrics, alerts
	} else if log := loggerFrom(r.Context()); status >= 500 {
		log.Error("request failed", "code", code, "category", pamerr.CategoryOf(err), "error", err)
	} else {
		log.Info("request refused", "code", code, "error", err)
	}
	encode(w, status, errorBody{Error: errorDetail{Code: string(code), Message: pamerr.MessageOf(err), Field: field, RequestID: requestID(r.Context())}})
}

// handlerFunc is a handler that returns an error, mapped once at the edge.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (h handlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		writeError(w, r, err)
	}
}

func notFound(what string) error { return pamerr.New(pamerr.NotFound, "%s not found", what) }
