package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// list is the shape of every list response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func page(r *http.Request) (store.Page, error) {
	p := store.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return p, pamerr.Invalid("limit", "limit must be a whole number from 1 to 100")
		}
		p.Limit = n
	}
	if len(p.Cursor) > 256 {
		return p, pamerr.Invalid("cursor", "cursor is not valid")
	}
	return p, nil
}

func writeList[T any](w http.ResponseWriter, items []T, next string) {
	if items == nil {
		items = []T{}
	}
	encode(w, http.StatusOK, list[T]{Items: items, NextCursor: next})
}

func userID(r *http.Request) string { return claimsFrom(r.Context()).UserID }

// historyReader is a store that serves read-only history queries somewhere
// cheaper than the primary (a read replica, falling back to the primary).
type historyReader interface {
	HistoryReads() store.Store
}

// history is where the conversation and message lists read: the store's
// history reader when it has one, the store itself otherwise.
func (s *server) history() store.Store {
	if h, ok := s.store.(historyReader); ok {
		return h.HistoryReads()
	}
	return s.store
}

func (s *server) handleConversations(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.history().ListConversations(r.Context(), userID(r), p)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *server) handleMessages(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	h := s.history()
	if _, err := h.ConversationByID(r.Context(), userID(r), id); err != nil {
		if store.IsNotFound(err) {
			return notFound("conversation")
		}
		return err
	}
	items, next, err := h.ListMessages(r.Context(), userID(r), id, p)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *server) handleListExpenses(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ExpenseFilter{From: q.Get("from"), To: q.Get("to"), Category: q.Get("category")}
	for field, v := range map[string]string{"from": f.From, "to": f.To} {
		if v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return pamerr.Invalid(field, "%s must be a date like 2026-11-24", field)
			}
		}
	}
	items, next, err := s.store.ListExpenses(r.Context(), userID(r), f, p)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

type newExpense struct {
	Amount      *money.Money `json:"amount"`
	Category    string       `json:"category"`
	Merchant    string       `json:"merchant"`
	Description string       `json:"description"`
	Date        string       `json:"date"`
}

func (s *server) handleCreateExpense(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[newExpense](r)
	if err != nil {
		return err
	}
	u, err := s.store.UserByID(r.Context(), userID(r))
	if err != nil {
		return err
	}
	e, err := in.expense(u)
	if err != nil {
		return err
	}
	if err := s.store.CreateExpense(r.Context(), e); err != nil {
		return err
	}
	encode(w, http.StatusCreated, e)
	return nil
}

func (in newExpense) expense(u *store.User) (*store.Expense, error) {
	if in.Amount == nil {
		return nil, pamerr.Invalid("amount", `amount is required, like {"amount":"45.20","currency":"USD"}`)
	}
	if in.Amount.Currency == "" {
		in.Amount.Currency = u.Settings.Currency
	}
	if len(in.Amount.Currency) != 3 {
		return nil, pamerr.Invalid("amount.currency", "currency must be a 3-letter ISO code")
	}
	if err := in.Amount.CheckBounds(); err != nil {
		return nil, pamerr.Invalid("amount", "%v", err)
	}
	if in.Category == "" {
		in.Category = "other"
	}
	if len(in.Category) > 40 || len(in.Merchant) > 200 || len(in.Description) > 1000 {
		return nil, pamerr.Invalid("body", "category, merchant or description is too long")
	}
	if in.Date == "" {
		in.Date = time.Now().In(u.Settings.Location()).Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, in.Date); err != nil {
		return nil, pamerr.Invalid("date", "date must be like 2026-11-24")
	}
	return &store.Expense{UserID: u.ID, Amount: money.New(in.Amount.Amount, in.Amount.Currency), Category: in.Category,
		Merchant: in.Merchant, Description: in.Description, Date: in.Date}, nil
}

func (s *server) handleBudgets(w http.ResponseWriter, r *http.Request) error {
	items, err := s.store.ListBudgets(r.Context(), userID(r))
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

func (s *server) handleFuel(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.store.ListFuelEntries(r.Context(), userID(r), r.URL.Query().Get("from"), r.URL.Query().Get("to"), p)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *server) handleTrips(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.store.ListTrips(r.Context(), userID(r), p)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}

func (s *server) handleCalendar(w http.ResponseWriter, r *http.Request) error {
	from, to := time.Now().Add(-24*time.Hour), time.Now().Add(30*24*time.Hour)
	q := r.URL.Query()
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return pamerr.Invalid("from", "from must be an RFC 3339 time")
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return pamerr.Invalid("to", "to must be an RFC 3339 time")
		}
	}
	items, err := s.store.ListCalendarEvents(r.Context(), userID(r), from, to)
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

func (s *server) handleVehicles(w http.ResponseWriter, r *http.Request) error {
	items, err := s.store.ListVehicles(r.Context(), userID(r))
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

type toolInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Parameters  any    `json:"parameters"`
	Category    string `json:"category"`
	Writes      bool   `json:"writes"`
}

func (s *server) handleTools(w http.ResponseWriter, r *http.Request) error {
	defs := s.tools.Definitions(claimsFrom(r.Context()).Role, func(string) bool { return true })
	items := make([]toolInfo, 0, len(defs))
	for _, t := range defs {
		items = append(items, toolInfo{Name: t.Name, Description: t.Description, Parameters: t.Parameters, Category: t.Category, Writes: t.Writes})
	}
	writeList(w, items, "")
	return nil
}

func (s *server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.store.ListAudit(r.Context(), p)
	if err != nil {
		return err
	}
	writeList(w, items, next)
	return nil
}
