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

// encode writes v as JSON with status.
func encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v: bounded size, valid UTF-8, no unknown
// trailing data. Errors are INVALID_INPUT naming the field where possible.
func decode[T any](r *http.Request) (T, error) {
	var v T
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return v, pamerr.New(pamerr.MessageTooLarge, "request body is larger than %d bytes", maxBody)
		}
		return v, pamerr.Invalid("body", "could not read the request body")
	}
	if !utf8.Valid(body) {
		return v, pamerr.Invalid("body", "request body is not valid UTF-8")
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return v, jsonError(err)
	}
	return v, nil
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
	if report, ok := r.Context().Value(keyReporter).(ErrorReporter); ok && report != nil {
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
