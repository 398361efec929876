package trip

import (
	"context"
	"fmt"
	"strings"

	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type favoriteArgs struct {
	Name     string   `json:"name"`
	Lat      *float64 `json:"lat"`
	Lng      *float64 `json:"lng"`
	Category string   `json:"category"`
	Notes    string   `json:"notes"`
}

func (svc *service) saveFavoriteSpot(ctx context.Context, call *tools.Call) (*tools.Result, error) {
	var a favoriteArgs
	if err := call.Bind(&a); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(a.Name)
	if name == "" {
		return nil, tools.Invalid("Give the spot a name.")
	}
	if a.Lat == nil || a.Lng == nil {
		return nil, tools.Invalid("I need the spot's lat and lng.")
	}
	p := geo.Point{Lat: *a.Lat, Lng: *a.Lng}
	if err := p.Validate(); err != nil {
		return nil, tools.Invalid("Those coordinates are not valid: %v.", err)
	}
	spot := &store.FavoriteSpot{UserID: call.UserID, Name: name, Category: strings.TrimSpace(a.Category),
		Lat: p.Lat, Lng: p.Lng, Notes: strings.TrimSpace(a.Notes)}
	if err := svc.Store.SaveFavorite(ctx, spot); err != nil {
		return nil, fmt.Errorf("save_favorite_spot: %w", err)
	}
	summary := fmt.Sprintf("Saved %s to your favorite spots.", name)
	if town, km, ok := svc.gaz.Nearest(p, 0, 50); ok {
		summary = fmt.Sprintf("Saved %s (%s from %s) to your favorite spots.", name, unitsOf(call).distance(km), town.Label())
	}
	return &tools.Result{
		Data:      map[string]any{"spot": spot},
		Summary:   summary,
		UIActions: []tools.UIAction{tools.Reload(ReloadTrips, "favorite_spot", spot.ID, spot.Name)},
	}, nil
}
