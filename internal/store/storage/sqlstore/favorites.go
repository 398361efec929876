package sqlstore

import (
	"context"

	"github.com/pamtravel/pam/internal/store"
)

const favCols = "id, user_id, name, category, lat, lng, notes, created_at"

// SaveFavorite stores a spot for f.UserID.
func (s *Store) SaveFavorite(ctx context.Context, f *store.FavoriteSpot) error {
	id, t := NewID(), now()
	err := s.write(ctx, "save favorite", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO favorites ("+favCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			id, f.UserID, f.Name, f.Category, f.Lat, f.Lng, f.Notes, s.ts(t))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		f.ID, f.CreatedAt = id, t
	}
	return err
}

// ListFavorites lists the user's spots, newest first.
func (s *Store) ListFavorites(ctx context.Context, userID string) ([]store.FavoriteSpot, error) {
	return getAll(ctx, s, "list favorites", func(r scanner) (store.FavoriteSpot, error) {
		var f store.FavoriteSpot
		err := r.Scan(&f.ID, &f.UserID, &f.Name, &f.Category, &f.Lat, &f.Lng, &f.Notes, timeScan{&f.CreatedAt})
		return f, err
	}, "SELECT "+favCols+" FROM favorites WHERE user_id = ? ORDER BY id DESC", userID)
}
