// Package tools owns PAM's one tool registry (canonical definitions with JSON
// Schemas, roles, timeouts, idempotency) and the executor that runs every tool
// call the same way for every model: authorization, validation, timeout,
// breaker, retries, result checks, audit. Tool implementations live in the
// subpackages (budget, fuel, trip, calendar, profile, knowledge, admin).
package tools

import (
	"context"
	"encoding/json"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// Status is the outcome of a tool call, as the model and the audit log see it.
type Status string

// Outcomes. Failures are categorized so the model can relay them sensibly.
const (
	StatusOK                Status = "ok"
	StatusPartial           Status = "partial"
	StatusNotAvailable      Status = "not_available"
	StatusNoResults         Status = "no_results"
	StatusInvalidArguments  Status = "invalid_arguments"
	StatusUnauthorized      Status = "unauthorized"
	StatusTimeout           Status = "timeout"
	StatusFailed            Status = "failed"
	StatusNeedsConfirmation Status = "needs_confirmation"
	StatusRateLimited       Status = "rate_limited" // the user called this tool too often; Error says when to retry
)

// Categories group tools for listing and prefiltering.
const (
	CategoryMoney     = "money"
	CategoryFuel      = "fuel"
	CategoryVehicle   = "vehicle"
	CategoryTrip      = "trip"
	CategoryCalendar  = "calendar"
	CategoryProfile   = "profile"
	CategoryKnowledge = "knowledge"
	CategoryAdmin     = "admin"
)

// Handler runs a tool whose arguments already validated against its schema.
// It returns the result data or an error; *Error carries a Status.
type Handler func(ctx context.Context, call *Call) (*Result, error)

// Tool is one canonical tool definition.
type Tool struct {
	Name         string          // snake_case, unique
	Description  string          // what the model reads
	Category     string          // one of the Category constants
	Parameters   json.RawMessage // JSON Schema (type object) of the arguments; required
	ResultSchema json.RawMessage // optional JSON Schema the result data must satisfy
	Roles        []string        // roles allowed; empty means user and admin
	Writes       bool            // changes data
	Idempotent   bool            // safe to retry
	Confirm      bool            // deletes or acts for others: needs a confirmed pending action
	Timeout      time.Duration   // 0 means the executor's default (8 s)
	Sources      []string        // outside services it needs; when all are down it leaves the model's list
	Keywords     []string        // words that make the prefilter always include it
	Handler      Handler
	// Prepare, for Confirm tools, resolves the call before it is held for
	// confirmation: it may rewrite call.Args (e.g. "last" → an id) and returns
	// the question put to the user ("Delete the $45.20 fuel expense…?").
	// Optional; without it the executor asks a generic question.
	Prepare func(ctx context.Context, call *Call) (question string, err error)
}

// Allows reports whether role may use t.
func (t *Tool) Allows(role string) bool {
	if len(t.Roles) == 0 {
		return role == store.RoleUser || role == store.RoleAdmin
	}
	for _, r := range t.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Call is one invocation. Identity comes from the verified session, never from Args.
type Call struct {
	ID             string // the model's tool_use id
	Tool           string
	Args           json.RawMessage
	UserID         string
	Role           string
	RequestID      string
	ConversationID string
	Settings       store.Settings
	Location       *Location // the best known location, if any
	Now            time.Time
	DryRun         bool // validate only
	Confirmed      bool // the user confirmed a pending action for this call
	ClientAddr     string
	UserAgent      string
	// TurnID and CallKey name a data-changing call within its turn ("the
	// first create_expense"); Rerun says the turn ran before, so a call that
	// already changed the data replays its kept result (see Executor.runOnce).
	TurnID  string
	CallKey string
	Rerun   bool

	audits   *callAudits // the ledger rows of this executor call, appended with its own
	started  time.Time
	audited  bool // its audit rows committed with its change
	replayed bool // answered from the kept result: nothing ran
}

// Location is a validated position with where it came from.
type Location struct {
	Lat, Lng  float64
	AccuracyM float64
	Source    string // gps, last_known, ip
	At        time.Time
}

// UIAction tells a client to refresh something after a tool wrote data.
type UIAction struct {
	Type        string `json:"type"` // reload_expenses, reload_calendar, reload_trips, reload_fuel, reload_budgets
	EntityID    string `json:"entity_id,omitempty"`
	EntityType  string `json:"entity_type,omitempty"`
	EntityTitle string `json:"entity_title,omitempty"`
}

// Result is what a tool returns; Data goes to the model as JSON. A result
// the executor checked carries that JSON in Data, as a json.RawMessage.
type Result struct {
	Status     Status     `json:"status"`
	Data       any        `json:"data,omitempty"`
	Summary    string     `json:"summary,omitempty"` // one plain sentence a person could read
	Error      string     `json:"error,omitempty"`   // for failures: what went wrong, safe to relay
	Stale      bool       `json:"stale,omitempty"`   // served from a stale cache copy
	Disclaimer string     `json:"disclaimer,omitempty"`
	Partial    bool       `json:"partial,omitempty"`
	UIActions  []UIAction `json:"-"`
	Banner     string     `json:"-"` // a short notice for the reply ("trip planning is temporarily unavailable")
	Cost       string     `json:"-"` // decimal string, for the audit log
	DurationMs int64      `json:"-"`
}

// Error is a tool failure with a category the model can act on.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return string(e.Status) + ": " + e.Message }

// Fail returns an *Error.
func Fail(status Status, message string) *Error { return &Error{Status: status, Message: message} }
