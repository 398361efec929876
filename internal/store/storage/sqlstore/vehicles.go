package sqlstore

import (
	"context"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
)

const vehicleCols = "id, user_id, name, make, model, year, fuel_type, odometer, created_at"

func scanVehicle(r scanner) (store.Vehicle, error) {
	var v store.Vehicle
	err := r.Scan(&v.ID, &v.UserID, &v.Name, &v.Make, &v.Model, &v.Year, &v.FuelType, &v.Odometer, timeScan{&v.CreatedAt})
	return v, err
}

// CreateVehicle stores v for v.UserID.
func (s *Store) CreateVehicle(ctx context.Context, v *store.Vehicle) error {
	id, t := NewID(), now()
	err := s.write(ctx, "create vehicle", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO vehicles ("+vehicleCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, v.UserID, v.Name, v.Make, v.Model, v.Year, v.FuelType, nullDec(v.Odometer), s.ts(t))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		v.ID, v.CreatedAt = id, t
	}
	return err
}

// ListVehicles lists the user's vehicles, oldest first.
func (s *Store) ListVehicles(ctx context.Context, userID string) ([]store.Vehicle, error) {
	return getAll(ctx, s, "list vehicles", scanVehicle, "SELECT "+vehicleCols+" FROM vehicles WHERE user_id = ? ORDER BY id", userID)
}

// VehicleByID returns the user's vehicle.
func (s *Store) VehicleByID(ctx context.Context, userID, id string) (*store.Vehicle, error) {
	return getOne(ctx, s, "vehicle by id", "vehicle", scanVehicle, "SELECT "+vehicleCols+" FROM vehicles WHERE id = ? AND user_id = ?", id, userID)
}

// UpdateVehicle saves the user's vehicle.
func (s *Store) UpdateVehicle(ctx context.Context, v *store.Vehicle) error {
	return s.write(ctx, "update vehicle", func(q querier) error {
		n, err := s.exec(ctx, q, "UPDATE vehicles SET name = ?, make = ?, model = ?, year = ?, fuel_type = ?, odometer = ? WHERE id = ? AND user_id = ?",
			v.Name, v.Make, v.Model, v.Year, v.FuelType, nullDec(v.Odometer), v.ID, v.UserID)
		if err == nil && n == 0 {
			return notFound("vehicle")
		}
		return err
	})
}

// ownsVehicle accepts "" (no vehicle) and otherwise requires the user's vehicle.
func (s *Store) ownsVehicle(ctx context.Context, q querier, userID, id string) error {
	if id == "" {
		return nil
	}
	return s.owns(ctx, q, "vehicles", "vehicle", userID, id)
}

const fuelCols = "id, user_id, vehicle_id, date, volume, volume_unit, price_per_unit, total, currency, odometer, odometer_unit, station, created_at"

func scanFuel(r scanner) (store.FuelEntry, error) {
	var f store.FuelEntry
	var price, total decimal.Decimal
	var cur string
	err := r.Scan(&f.ID, &f.UserID, strScan{&f.VehicleID}, dateScan{&f.Date}, &f.Volume, &f.VolumeUnit, &price, &total, &cur,
		&f.Odometer, &f.OdometerUnit, &f.Station, timeScan{&f.CreatedAt})
	f.PricePerUnit, f.Total = money.New(price, cur), money.New(total, cur)
	return f, err
}

// AddFuelEntry stores a fill-up; a vehicle, when given, must be the user's.
func (s *Store) AddFuelEntry(ctx context.Context, f *store.FuelEntry) error {
	id, t := NewID(), now()
	defaultDay(&f.Date, t)
	cur := f.Total.Currency
	if cur == "" {
		cur = f.PricePerUnit.Currency
	}
	err := s.writeTx(ctx, "add fuel entry", func(q querier) error {
		if err := s.ownsVehicle(ctx, q, f.UserID, f.VehicleID); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, "INSERT INTO fuel_entries ("+fuelCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, f.UserID, nullStr(f.VehicleID), f.Date, dec(f.Volume), f.VolumeUnit, f.PricePerUnit.Amount.String(), amount(f.Total), strings.ToUpper(cur),
			nullDec(f.Odometer), f.OdometerUnit, f.Station, s.ts(t))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		f.ID, f.CreatedAt = id, t
	}
	return err
}

// ListFuelEntries lists the user's fill-ups between the inclusive days (either may be ""), newest first.
func (s *Store) ListFuelEntries(ctx context.Context, userID string, from, to string, p store.Page) ([]store.FuelEntry, string, error) {
	where, args := expenseWhere(userID, store.ExpenseFilter{From: from, To: to})
	return getPage(ctx, s, "list fuel entries", p, true, scanFuel, func(f *store.FuelEntry) string { return f.ID },
		"SELECT "+fuelCols+" FROM fuel_entries", where, args...)
}

// LastFuelEntry returns the user's latest fill-up (by date, then creation), of
// the vehicle when vehicleID is not "".
func (s *Store) LastFuelEntry(ctx context.Context, userID, vehicleID string) (*store.FuelEntry, error) {
	return getOne(ctx, s, "last fuel entry", "fuel entry", scanFuel,
		"SELECT "+fuelCols+" FROM fuel_entries WHERE user_id = ? AND (? = '' OR vehicle_id = ?) ORDER BY date DESC, id DESC LIMIT 1",
		userID, vehicleID, vehicleID)
}

const maintCols = "id, user_id, vehicle_id, task, date, odometer, cost, cost_currency, next_due_date, next_due_odometer, notes, created_at"

// LogMaintenance stores a service record; a vehicle, when given, must be the user's.
func (s *Store) LogMaintenance(ctx context.Context, m *store.MaintenanceRecord) error {
	id, t := NewID(), now()
	defaultDay(&m.Date, t)
	cost, cur := nullAmount(m.Cost)
	err := s.writeTx(ctx, "log maintenance", func(q querier) error {
		if err := s.ownsVehicle(ctx, q, m.UserID, m.VehicleID); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, "INSERT INTO maintenance ("+maintCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, m.UserID, nullStr(m.VehicleID), m.Task, m.Date, nullDec(m.Odometer), cost, cur, nullStr(m.NextDueDate),
			nullDec(m.NextDueOdometer), m.Notes, s.ts(t))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		m.ID, m.CreatedAt = id, t
	}
	return err
}

// ListMaintenance lists the user's records (of the vehicle when vehicleID is not ""), newest first.
func (s *Store) ListMaintenance(ctx context.Context, userID, vehicleID string) ([]store.MaintenanceRecord, error) {
	return getAll(ctx, s, "list maintenance", func(r scanner) (store.MaintenanceRecord, error) {
		var m store.MaintenanceRecord
		cost := moneyPtrScan{m: &m.Cost}
		err := r.Scan(append(append([]any{&m.ID, &m.UserID, strScan{&m.VehicleID}, &m.Task, dateScan{&m.Date}, &m.Odometer},
			cost.dest()...), dateScan{&m.NextDueDate}, &m.NextDueOdometer, &m.Notes, timeScan{&m.CreatedAt})...)
		cost.done()
		return m, err
	}, "SELECT "+maintCols+" FROM maintenance WHERE user_id = ? AND (? = '' OR vehicle_id = ?) ORDER BY date DESC, id DESC",
		userID, vehicleID, vehicleID)
}
