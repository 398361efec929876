// Package store owns PAM's domain records and the repository contract that the
// SQLite (default) and PostgreSQL implementations both satisfy. Every query that
// touches a person's data takes that person's user id and is scoped to it.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
)

// ErrNotFound and ErrConflict are wrapped by the repositories' errors; they
// carry the public codes NOT_FOUND and CONFLICT.
var (
	ErrNotFound = &pamerr.Error{Code: pamerr.NotFound, Message: "not found"}
	ErrConflict = &pamerr.Error{Code: pamerr.Conflict, Message: "already exists"}
)

// IsNotFound reports whether err means the record does not exist (or is not the caller's).
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsConflict reports whether err is a uniqueness violation.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// Roles.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Settings are a user's preferences; every answer uses them.
type Settings struct {
	Units    string `json:"units"`     // "imperial" (mi, gal, °F) or "metric" (km, L, °C)
	Currency string `json:"currency"`  // ISO 4217, e.g. "USD"
	TimeZone string `json:"time_zone"` // IANA, e.g. "America/Denver"
	Language string `json:"language"`  // BCP 47, e.g. "en"
}

// DefaultSettings are given to a new account.
func DefaultSettings() Settings {
	return Settings{Units: "imperial", Currency: "USD", TimeZone: "UTC", Language: "en"}
}

// Location returns the user's time zone, UTC when unknown.
func (s Settings) Location() *time.Location {
	if s.TimeZone == "" {
		return time.UTC
	}
	if loc, ok := zones.Load(s.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	zones.Store(s.TimeZone, loc)
	return loc
}

// zones caches loaded time zones: time.LoadLocation reads and parses the zone
// file on every call, and every turn asks for its user's zone. Only names that
// loaded are kept, so the map is bounded by the zone database (~600 names).
var zones sync.Map

// User is an account.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	DisplayName  string    `json:"display_name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"`
	Settings     Settings  `json:"settings"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// RefreshToken is an opaque refresh token, stored only as a hash. Tokens that
// descend from one login share a family; reusing a used token revokes the family.
type RefreshToken struct {
	Hash      string
	UserID    string
	FamilyID  string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// Conversation is a thread of messages.
type Conversation struct {
	ID        string    `json:"id"`
	UserID    string    `json:"-"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Message roles.
const (
	MessageUser      = "user"
	MessageAssistant = "assistant"
	MessageSummary   = "summary" // an extractive or model summary of older history
)

// Message is one stored chat message.
type Message struct {
	ID              string          `json:"id"`
	ConversationID  string          `json:"conversation_id"`
	UserID          string          `json:"-"`
	Role            string          `json:"role"`
	Content         string          `json:"content"`
	ClientMessageID string          `json:"client_message_id,omitempty"`
	Source          string          `json:"source,omitempty"` // which model answered
	Degraded        bool            `json:"degraded"`
	Meta            json.RawMessage `json:"meta,omitempty"` // tool calls, ui actions, safety flags
	CreatedAt       time.Time       `json:"created_at"`
}

// Turn states.
const (
	TurnPending = "pending"
	TurnDone    = "done"
	TurnFailed  = "failed" // dead-lettered after the last attempt
)

// PendingAction is a tool call held until its user confirms it.
type PendingAction struct {
	ID        string
	UserID    string
	Tool      string
	Question  string
	Call      json.RawMessage // the held call, as the executor will run it
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Turn is a durably accepted user message awaiting (or having) its answer.
// (UserID, ClientMessageID) is unique: the idempotency key of chat.
type Turn struct {
	ID              string          `json:"id"`
	UserID          string          `json:"user_id"`
	ConversationID  string          `json:"conversation_id"`
	ClientMessageID string          `json:"client_message_id"`
	UserMessageID   string          `json:"user_message_id"`
	Text            string          `json:"text"`
	Context         json.RawMessage `json:"context,omitempty"`
	Status          string          `json:"status"`
	Attempts        int             `json:"attempts"`
	LastError       string          `json:"last_error,omitempty"`
	ReplyMessageID  string          `json:"reply_message_id,omitempty"`
	ReplySeq        int64           `json:"reply_seq,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// Event is a durable frame of a user's event stream, numbered per user without gaps.
type Event struct {
	UserID    string          `json:"-"`
	Seq       int64           `json:"seq"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload"` // the whole frame as JSON, including seq
	CreatedAt time.Time       `json:"created_at"`
}

// Expense is money spent. Date is the calendar day in the user's time zone, "2006-01-02".
type Expense struct {
	ID          string      `json:"id"`
	UserID      string      `json:"-"`
	Amount      money.Money `json:"amount"`
	Category    string      `json:"category"`
	Merchant    string      `json:"merchant,omitempty"`
	Description string      `json:"description,omitempty"`
	Date        string      `json:"date"`
	CreatedAt   time.Time   `json:"created_at"`
}

// ExpenseFilter narrows a listing; empty fields match everything. From and To are inclusive days.
type ExpenseFilter struct {
	From, To string
	Category string
}

// Budget is a spending limit for a category and period ("monthly" or "weekly").
type Budget struct {
	UserID    string      `json:"-"`
	Category  string      `json:"category"`
	Amount    money.Money `json:"amount"`
	Period    string      `json:"period"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// FuelEntry is a fill-up. Volume is in VolumeUnit ("L" or "gal"), price per that unit.
type FuelEntry struct {
	ID           string              `json:"id"`
	UserID       string              `json:"-"`
	VehicleID    string              `json:"vehicle_id,omitempty"`
	Date         string              `json:"date"`
	Volume       decimal.Decimal     `json:"volume"`
	VolumeUnit   string              `json:"volume_unit"`
	PricePerUnit money.Money         `json:"price_per_unit"`
	Total        money.Money         `json:"total"`
	Odometer     decimal.NullDecimal `json:"odometer"`
	OdometerUnit string              `json:"odometer_unit,omitempty"` // "mi" or "km"
	Station      string              `json:"station,omitempty"`
	CreatedAt    time.Time           `json:"created_at"`
}

// Vehicle is an RV, tow vehicle or trailer.
type Vehicle struct {
	ID        string              `json:"id"`
	UserID    string              `json:"-"`
	Name      string              `json:"name"`
	Make      string              `json:"make,omitempty"`
	Model     string              `json:"model,omitempty"`
	Year      int                 `json:"year,omitempty"`
	FuelType  string              `json:"fuel_type,omitempty"`
	Odometer  decimal.NullDecimal `json:"odometer"`
	CreatedAt time.Time           `json:"created_at"`
}

// MaintenanceRecord is service done on a vehicle, with when it is next due.
type MaintenanceRecord struct {
	ID              string              `json:"id"`
	UserID          string              `json:"-"`
	VehicleID       string              `json:"vehicle_id,omitempty"`
	Task            string              `json:"task"`
	Date            string              `json:"date"`
	Odometer        decimal.NullDecimal `json:"odometer"`
	Cost            *money.Money        `json:"cost,omitempty"`
	NextDueDate     string              `json:"next_due_date,omitempty"`
	NextDueOdometer decimal.NullDecimal `json:"next_due_odometer"`
	Notes           string              `json:"notes,omitempty"`
	CreatedAt       time.Time           `json:"created_at"`
}

// Trip is a planned journey. DistanceKm and DurationMin come from routing or,
// offline, from an estimate (Estimated true).
type Trip struct {
	ID          string          `json:"id"`
	UserID      string          `json:"-"`
	Name        string          `json:"name"`
	Origin      string          `json:"origin"`
	Destination string          `json:"destination"`
	Stops       []string        `json:"stops,omitempty"`
	StartDate   string          `json:"start_date,omitempty"`
	EndDate     string          `json:"end_date,omitempty"`
	DistanceKm  decimal.Decimal `json:"distance_km"`
	DurationMin int             `json:"duration_min"`
	FuelCost    *money.Money    `json:"fuel_cost,omitempty"`
	Budget      *money.Money    `json:"budget,omitempty"`
	Estimated   bool            `json:"estimated"`
	Plan        json.RawMessage `json:"plan,omitempty"` // legs, overnight stops
	CreatedAt   time.Time       `json:"created_at"`
}

// CalendarEvent is an appointment; Start and End are instants, TimeZone the zone it was made in.
type CalendarEvent struct {
	ID          string    `json:"id"`
	UserID      string    `json:"-"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Location    string    `json:"location,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	AllDay      bool      `json:"all_day"`
	TimeZone    string    `json:"time_zone"`
	CreatedAt   time.Time `json:"created_at"`
}

// SavingsEvent records money PAM saved: Saved = Baseline − Optimized, enforced by the store.
type SavingsEvent struct {
	ID          string      `json:"id"`
	UserID      string      `json:"-"`
	Category    string      `json:"category"` // fuel, camping, route, other
	Description string      `json:"description"`
	Baseline    money.Money `json:"baseline"`
	Optimized   money.Money `json:"optimized"`
	Saved       money.Money `json:"saved"`
	Source      string      `json:"source,omitempty"` // the tool that found it
	CreatedAt   time.Time   `json:"created_at"`
}

// FavoriteSpot is a place the user saved.
type FavoriteSpot struct {
	ID        string    `json:"id"`
	UserID    string    `json:"-"`
	Name      string    `json:"name"`
	Category  string    `json:"category,omitempty"`
	Lat       float64   `json:"lat"`
	Lng       float64   `json:"lng"`
	Notes     string    `json:"notes,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// KnowledgeItem is an admin-curated article PAM can search.
type KnowledgeItem struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Content   string    `json:"content"`
	Tags      []string  `json:"tags,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// AuditRecord is one append-only, hash-chained audit row. Hash covers every
// field and PrevHash, so a changed, removed or reordered row breaks the chain.
type AuditRecord struct {
	Seq        int64           `json:"seq"`
	Time       time.Time       `json:"time"`
	UserID     string          `json:"user_id,omitempty"`
	RequestID  string          `json:"request_id,omitempty"`
	Kind       string          `json:"kind"` // tool, security, admin, money
	Action     string          `json:"action"`
	Args       json.RawMessage `json:"args,omitempty"` // already redacted
	Outcome    string          `json:"outcome"`
	Error      string          `json:"error,omitempty"`
	DurationMs int64           `json:"duration_ms"`
	Cost       string          `json:"cost,omitempty"` // decimal string
	ClientAddr string          `json:"client_addr,omitempty"`
	UserAgent  string          `json:"user_agent,omitempty"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// DeadLetter is work that failed after its last attempt.
type DeadLetter struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"` // "turn", "write"
	UserID    string          `json:"user_id,omitempty"`
	Payload   json.RawMessage `json:"payload"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"last_error"`
	CreatedAt time.Time       `json:"created_at"`
}

// Page asks for at most Limit rows after Cursor (an opaque string from a previous page).
type Page struct {
	Limit  int
	Cursor string
}

// Store is the repository contract. Implementations: store/sqlite, store/postgres.
// Methods return errors wrapping ErrNotFound or ErrConflict where those apply.
// Lists are newest first unless said otherwise, and return the next cursor ("" at the end).
type Store interface {
	// InTx runs fn with a Store bound to one transaction, committed when fn
	// returns nil and rolled back whole otherwise.
	InTx(ctx context.Context, fn func(tx Store) error) error
	// InTxContext runs fn in one transaction that every operation made with
	// fn's ctx joins, through this Store or any Store over the same database
	// (the tools hold their own), committed when fn returns nil.
	InTxContext(ctx context.Context, fn func(ctx context.Context) error) error
	Ping(ctx context.Context) error
	Close() error

	CreateUser(ctx context.Context, u *User) error // fills ID (unless set), times; ErrConflict on a taken email or id
	UserByID(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error) // case-insensitive
	UpdateUser(ctx context.Context, u *User) error                // display name, role, settings, password hash
	ListUsers(ctx context.Context, p Page) ([]User, string, error)
	DeleteUser(ctx context.Context, id string) error // and all their data

	CreateRefreshToken(ctx context.Context, t *RefreshToken) error
	RefreshTokenByHash(ctx context.Context, hash string) (*RefreshToken, error)
	// UseRefreshToken marks the token used; false if it was already used or revoked (atomic).
	UseRefreshToken(ctx context.Context, hash string, at time.Time) (bool, error)
	RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error
	RevokeUserRefreshTokens(ctx context.Context, userID string, at time.Time) error

	CreateConversation(ctx context.Context, c *Conversation) error
	ConversationByID(ctx context.Context, userID, id string) (*Conversation, error)
	ListConversations(ctx context.Context, userID string, p Page) ([]Conversation, string, error)
	// AppendMessage fills m's ID (unless set, from NewID) and CreatedAt and
	// touches the conversation; the first message of a conversation created in
	// the same transaction takes the conversation's time.
	AppendMessage(ctx context.Context, m *Message) error
	ListMessages(ctx context.Context, userID, conversationID string, p Page) ([]Message, string, error) // oldest first
	RecentMessages(ctx context.Context, userID, conversationID string, limit int) ([]Message, error)    // the newest, oldest first
	CountMessages(ctx context.Context, userID, conversationID string) (int, error)
	DeleteConversationMessages(ctx context.Context, userID, conversationID string) error

	// AcceptTurn stores t unless the user already has a turn with its
	// ClientMessageID; then it returns that turn and created=false.
	AcceptTurn(ctx context.Context, t *Turn) (existing *Turn, created bool, err error)
	TurnByClientID(ctx context.Context, userID, clientMessageID string) (*Turn, error)
	CompleteTurn(ctx context.Context, turnID, replyMessageID string, replySeq int64) error
	FailTurnAttempt(ctx context.Context, turnID, lastError string, final bool) (attempts int, err error)
	PendingTurns(ctx context.Context, limit int) ([]Turn, error) // oldest first, across users
	// SaveToolResult keeps the result of one data-changing tool call of a
	// turn under key (first write wins); ToolResult reads it back
	// (ErrNotFound when none). CompleteTurn removes the turn's results.
	SaveToolResult(ctx context.Context, turnID, key string, result json.RawMessage) error
	ToolResult(ctx context.Context, turnID, key string) (json.RawMessage, error)
	// DeleteToolResults drops a turn's kept results: it will not run again
	// (its dead letter was discarded).
	DeleteToolResults(ctx context.Context, turnID string) error

	// PutPendingAction holds an action for its user's confirmation (and
	// forgets expired ones); TakePendingAction removes and returns the user's
	// action id, at most once (ErrNotFound when none, expired, or another
	// user's); ListPendingActions returns the user's unexpired actions, oldest first.
	PutPendingAction(ctx context.Context, a *PendingAction) error
	TakePendingAction(ctx context.Context, userID, id string, now time.Time) (*PendingAction, error)
	ListPendingActions(ctx context.Context, userID string, now time.Time) ([]PendingAction, error)

	// AppendEvent gives the frame the user's next seq (gapless), lets build
	// render the payload with that seq, and stores it.
	AppendEvent(ctx context.Context, userID, typ string, build func(seq int64) (json.RawMessage, error)) (*Event, error)
	EventsAfter(ctx context.Context, userID string, after int64, limit int) ([]Event, error) // oldest first
	LastSeq(ctx context.Context, userID string) (int64, error)
	OldestSeq(ctx context.Context, userID string) (int64, error) // 0 when none kept
	PruneEvents(ctx context.Context, before time.Time, keepPerUser int) (int64, error)
	RecordAck(ctx context.Context, userID, deviceID string, seq int64) error

	CreateExpense(ctx context.Context, e *Expense) error
	UpdateExpense(ctx context.Context, e *Expense) error
	DeleteExpense(ctx context.Context, userID, id string) error
	ExpenseByID(ctx context.Context, userID, id string) (*Expense, error)
	ListExpenses(ctx context.Context, userID string, f ExpenseFilter, p Page) ([]Expense, string, error)
	// SumExpenses totals per category, exactly, over the inclusive days.
	SumExpenses(ctx context.Context, userID string, f ExpenseFilter) (map[string]decimal.Decimal, error)

	SetBudget(ctx context.Context, b *Budget) error // upsert by (user, category, period)
	ListBudgets(ctx context.Context, userID string) ([]Budget, error)
	DeleteBudget(ctx context.Context, userID, category string) error

	AddFuelEntry(ctx context.Context, f *FuelEntry) error
	ListFuelEntries(ctx context.Context, userID string, from, to string, p Page) ([]FuelEntry, string, error)
	LastFuelEntry(ctx context.Context, userID, vehicleID string) (*FuelEntry, error)

	CreateVehicle(ctx context.Context, v *Vehicle) error
	ListVehicles(ctx context.Context, userID string) ([]Vehicle, error)
	VehicleByID(ctx context.Context, userID, id string) (*Vehicle, error)
	UpdateVehicle(ctx context.Context, v *Vehicle) error
	LogMaintenance(ctx context.Context, m *MaintenanceRecord) error
	ListMaintenance(ctx context.Context, userID, vehicleID string) ([]MaintenanceRecord, error)

	CreateTrip(ctx context.Context, t *Trip) error
	ListTrips(ctx context.Context, userID string, p Page) ([]Trip, string, error)
	TripByID(ctx context.Context, userID, id string) (*Trip, error)

	CreateCalendarEvent(ctx context.Context, e *CalendarEvent) error
	UpdateCalendarEvent(ctx context.Context, e *CalendarEvent) error
	DeleteCalendarEvent(ctx context.Context, userID, id string) error
	CalendarEventByID(ctx context.Context, userID, id string) (*CalendarEvent, error)
	ListCalendarEvents(ctx context.Context, userID string, from, to time.Time) ([]CalendarEvent, error) // by start

	RecordSavings(ctx context.Context, s *SavingsEvent) error // refuses Saved != Baseline − Optimized
	ListSavings(ctx context.Context, userID string, from, to time.Time) ([]SavingsEvent, error)

	// SaveFeedback stores or replaces the user's feedback on one of the user's
	// messages (ErrNotFound when the message is not theirs); it fills ID,
	// ConversationID and CreatedAt.
	SaveFeedback(ctx context.Context, f *Feedback) error
	ListFeedback(ctx context.Context, p Page) ([]Feedback, string, error) // newest first, every user (admin)
	RecordClientEvents(ctx context.Context, events []ClientEvent) error   // fills IDs and times
	// ScanUsage calls fn for every turn, reply, tool call and client event in [from, to), by kind.
	ScanUsage(ctx context.Context, from, to time.Time, fn func(f UsageFact) error) error

	SaveFavorite(ctx context.Context, f *FavoriteSpot) error
	ListFavorites(ctx context.Context, userID string) ([]FavoriteSpot, error)

	AddKnowledge(ctx context.Context, k *KnowledgeItem) error
	SearchKnowledge(ctx context.Context, query string, limit int) ([]KnowledgeItem, error)

	// AppendAudit sets Seq, PrevHash and Hash (see audit.Hash) and stores the row.
	AppendAudit(ctx context.Context, r *AuditRecord, hash func(r *AuditRecord) string) error
	// AppendAudits appends rs in order, chained, in one transaction: all or none.
	AppendAudits(ctx context.Context, rs []*AuditRecord, hash func(r *AuditRecord) string) error
	ListAudit(ctx context.Context, p Page) ([]AuditRecord, string, error) // newest first
	ScanAudit(ctx context.Context, fn func(r *AuditRecord) error) error   // oldest first, for verification

	AddDeadLetter(ctx context.Context, d *DeadLetter) error
	ListDeadLetters(ctx context.Context, p Page) ([]DeadLetter, string, error)
	DeadLetterByID(ctx context.Context, id string) (*DeadLetter, error)
	DeleteDeadLetter(ctx context.Context, id string) error
}
