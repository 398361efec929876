package fuel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

func (svc *service) vehicleTools() []tools.Tool {
	return []tools.Tool{
		{
			Name:        "create_vehicle",
			Description: "Add the user's RV, tow vehicle or trailer.",
			Category:    tools.CategoryVehicle,
			Writes:      true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"name":{"type":"string","minLength":1,"maxLength":100},
				"make":{"type":"string","maxLength":100},
				"model":{"type":"string","maxLength":100},
				"year":{"type":["integer","string"]},
				"fuel_type":{"type":"string","enum":["gasoline","diesel","propane","electric","hybrid","other"]},
				"odometer":{"type":["string","number"]}},
				"required":["name"],"additionalProperties":false}`),
			Handler: svc.createVehicle,
		},
		{
			Name:        "log_maintenance",
			Description: "Record service done on a vehicle (oil change, tires…), with its cost and when it is next due. A cost is also logged as a maintenance expense.",
			Category:    tools.CategoryVehicle,
			Writes:      true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"task":{"type":"string","minLength":1,"maxLength":200},
				"vehicle_id":{"type":"string"},
				"date":{"type":"string"},
				"odometer":{"type":["string","number"]},
				"cost":{"type":["string","number"]},
				"next_due_date":{"type":"string"},
				"next_due_odometer":{"type":["string","number"]},
				"notes":{"type":"string","maxLength":2000}},
				"required":["task"],"additionalProperties":false}`),
			Handler: svc.logMaintenance,
		},
		{
			Name:        "get_maintenance_due",
			Description: "Maintenance that is due or coming up (within 30 days or 500 miles / 800 km).",
			Category:    tools.CategoryVehicle,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"vehicle_id":{"type":"string"}},
				"additionalProperties":false}`),
			Handler: svc.maintenanceDue,
		},
	}
}

func (svc *service) createVehicle(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Name     string `json:"name"`
		Make     string `json:"make"`
		Model    string `json:"model"`
		Year     any    `json:"year"`
		FuelType string `json:"fuel_type"`
		Odometer any    `json:"odometer"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	v := &store.Vehicle{UserID: c.UserID, Name: strings.TrimSpace(a.Name), Make: strings.TrimSpace(a.Make), Model: strings.TrimSpace(a.Model), FuelType: a.FuelType}
	if a.Year != nil {
		y, err := tools.DecimalArg(a.Year)
		if err != nil || !y.IsInteger() || y.IntPart() < 1900 || y.IntPart() > int64(c.LocalNow().Year()+2) {
			return nil, tools.Invalid("The year must be a model year such as 2019.")
		}
		v.Year = int(y.IntPart())
	}
	odo, hasOdo, err := positiveArg("odometer", a.Odometer, 10_000_000)
	if err != nil {
		return nil, err
	}
	if hasOdo {
		v.Odometer = decimal.NullDecimal{Decimal: odo, Valid: true}
	}
	if err := svc.s.CreateVehicle(ctx, v); err != nil {
		return nil, fmt.Errorf("create vehicle: %w", err)
	}
	desc := v.Name
	if v.Year > 0 || v.Make != "" || v.Model != "" {
		desc += " (" + strings.TrimSpace(strings.Join([]string{yearText(v.Year), v.Make, v.Model}, " ")) + ")"
	}
	return &tools.Result{
		Data:      map[string]any{"vehicle": v},
		Summary:   "Added your vehicle " + desc + ".",
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadFuel, "vehicle", v.ID, v.Name)},
	}, nil
}

func yearText(y int) string {
	if y == 0 {
		return ""
	}
	return fmt.Sprint(y)
}

func (svc *service) logMaintenance(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Task            string `json:"task"`
		VehicleID       string `json:"vehicle_id"`
		Date            string `json:"date"`
		Odometer        any    `json:"odometer"`
		Cost            any    `json:"cost"`
		NextDueDate     string `json:"next_due_date"`
		NextDueOdometer any    `json:"next_due_odometer"`
		Notes           string `json:"notes"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	day, err := c.DayArg(a.Date)
	if err != nil {
		return nil, err
	}
	m := &store.MaintenanceRecord{UserID: c.UserID, Task: strings.TrimSpace(a.Task), Date: day, Notes: strings.TrimSpace(a.Notes)}
	if a.NextDueDate != "" {
		if _, err := tools.ParseDay(a.NextDueDate); err != nil {
			return nil, err
		}
		if a.NextDueDate < day {
			return nil, tools.Invalid("The next due date %s is before the service date %s.", a.NextDueDate, day)
		}
		m.NextDueDate = a.NextDueDate
	}
	odo, hasOdo, err := positiveArg("odometer", a.Odometer, 10_000_000)
	if err != nil {
		return nil, err
	}
	if hasOdo {
		m.Odometer = decimal.NullDecimal{Decimal: odo, Valid: true}
	}
	next, hasNext, err := positiveArg("next due odometer", a.NextDueOdometer, 10_000_000)
	if err != nil {
		return nil, err
	}
	if hasNext {
		if hasOdo && !next.GreaterThan(odo) {
			return nil, tools.Invalid("The next due odometer must be above the current reading.")
		}
		m.NextDueOdometer = decimal.NullDecimal{Decimal: next, Valid: true}
	}
	cur, _ := c.CurrencyArg("")
	if a.Cost != nil {
		cost, err := tools.AmountArg("cost", a.Cost)
		if err != nil {
			return nil, err
		}
		mc := money.New(cost, cur)
		m.Cost = &mc
	}
	v, err := svc.vehicle(ctx, c, a.VehicleID)
	if err != nil {
		return nil, err
	}
	if v != nil {
		m.VehicleID = v.ID
	}
	var expense *store.Expense
	err = svc.s.InTx(ctx, func(tx store.Store) error {
		if err := tx.LogMaintenance(ctx, m); err != nil {
			return fmt.Errorf("log maintenance: %w", err)
		}
		if m.Cost != nil {
			expense = &store.Expense{UserID: c.UserID, Amount: *m.Cost, Category: "maintenance", Description: m.Task, Date: day}
			if err := tx.CreateExpense(ctx, expense); err != nil {
				return fmt.Errorf("record maintenance expense: %w", err)
			}
		}
		if v != nil && hasOdo && (!v.Odometer.Valid || odo.GreaterThan(v.Odometer.Decimal)) {
			v.Odometer = decimal.NullDecimal{Decimal: odo, Valid: true}
			if err := tx.UpdateVehicle(ctx, v); err != nil {
				return fmt.Errorf("update odometer: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("Logged %s on %s", m.Task, c.DayText(day))
	res := &tools.Result{
		Data:      map[string]any{"record": m},
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadFuel, "maintenance", m.ID, m.Task)},
	}
	if m.Cost != nil {
		summary += " (" + m.Cost.Format() + ")"
		res.Cost = m.Cost.Amount.StringFixed(2)
		res.UIActions = append(res.UIActions, tools.Reload(tools.ReloadExpenses, "expense", expense.ID, "maintenance"))
		svc.ledger.Calc(ctx, c, "maintenance_cost", map[string]string{"cost": tools.ArgText(a.Cost), "task": m.Task}, m.Cost.String())
	}
	var due []string
	if m.NextDueDate != "" {
		due = append(due, c.DayText(m.NextDueDate))
	}
	if m.NextDueOdometer.Valid {
		due = append(due, "at "+quantity(m.NextDueOdometer.Decimal, 0)+" "+distanceUnit(c))
	}
	summary += "."
	if len(due) > 0 {
		summary += " Next due " + strings.Join(due, " or ") + "."
	}
	res.Summary = summary
	return res, nil
}

// dueItem is a maintenance task's next service.
type dueItem struct {
	Task            string `json:"task"`
	VehicleID       string `json:"vehicle_id,omitempty"`
	Vehicle         string `json:"vehicle,omitempty"`
	LastDone        string `json:"last_done"`
	NextDueDate     string `json:"next_due_date,omitempty"`
	NextDueOdometer string `json:"next_due_odometer,omitempty"`
	Reason          string `json:"reason"`
}

func (svc *service) maintenanceDue(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		VehicleID string `json:"vehicle_id"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	if a.VehicleID != "" {
		if _, err := svc.vehicle(ctx, c, a.VehicleID); err != nil {
			return nil, err
		}
	}
	records, err := svc.s.ListMaintenance(ctx, c.UserID, a.VehicleID)
	if err != nil {
		return nil, fmt.Errorf("list maintenance: %w", err)
	}
	vehicles, err := svc.s.ListVehicles(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("list vehicles: %w", err)
	}
	byID := map[string]store.Vehicle{}
	for _, v := range vehicles {
		byID[v.ID] = v
	}
	today := c.LocalNow()
	todayStr := today.Format(tools.DayLayout)
	soon := today.AddDate(0, 0, 30).Format(tools.DayLayout)
	margin := decimal.NewFromInt(500)
	if metric(c) {
		margin = decimal.NewFromInt(800)
	}
	seen := map[string]bool{}
	due, upcoming := []dueItem{}, []dueItem{}
	for _, r := range records { // newest first: the first record of a task is its latest
		key := r.VehicleID + "\x00" + strings.ToLower(r.Task)
		if seen[key] {
			continue
		}
		seen[key] = true
		if r.NextDueDate == "" && !r.NextDueOdometer.Valid {
			continue
		}
		item := dueItem{Task: r.Task, VehicleID: r.VehicleID, LastDone: r.Date, NextDueDate: r.NextDueDate}
		if r.NextDueOdometer.Valid {
			item.NextDueOdometer = r.NextDueOdometer.Decimal.String()
		}
		v, hasV := byID[r.VehicleID]
		if hasV {
			item.Vehicle = v.Name
		}
		switch {
		case r.NextDueDate != "" && r.NextDueDate <= todayStr:
			item.Reason = "due since " + c.DayText(r.NextDueDate)
			due = append(due, item)
		case r.NextDueOdometer.Valid && hasV && v.Odometer.Valid && v.Odometer.Decimal.GreaterThanOrEqual(r.NextDueOdometer.Decimal):
			item.Reason = "due at " + quantity(r.NextDueOdometer.Decimal, 0) + " " + distanceUnit(c)
			due = append(due, item)
		case r.NextDueDate != "" && r.NextDueDate <= soon:
			item.Reason = "due " + c.DayText(r.NextDueDate)
			upcoming = append(upcoming, item)
		case r.NextDueOdometer.Valid && hasV && v.Odometer.Valid && v.Odometer.Decimal.Add(margin).GreaterThanOrEqual(r.NextDueOdometer.Decimal):
			item.Reason = "due in " + quantity(r.NextDueOdometer.Decimal.Sub(v.Odometer.Decimal), 0) + " " + distanceUnit(c)
			upcoming = append(upcoming, item)
		}
	}
	if len(due) == 0 && len(upcoming) == 0 {
		return &tools.Result{Status: tools.StatusNoResults, Data: map[string]any{"due": due, "upcoming": upcoming},
			Summary: "Nothing is due for maintenance in the next 30 days."}, nil
	}
	var parts []string
	for _, d := range due {
		parts = append(parts, d.Task+" is "+d.Reason)
	}
	for _, u := range upcoming {
		parts = append(parts, u.Task+" is "+u.Reason)
	}
	return &tools.Result{
		Data:    map[string]any{"due": due, "upcoming": upcoming, "as_of": todayStr, "checked_at": today.Format(time.RFC3339)},
		Summary: capitalize(strings.Join(parts, "; ")) + ".",
	}, nil
}
