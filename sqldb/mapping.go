package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/callsheet/callsheet"
)

// MappingService implements callsheet.MappingService.
type MappingService struct {
	db *DB

	// Keep is how many mappings an account keeps; saving one more forgets
	// those saved longest ago, so the table cannot grow without end.
	Keep int
}

// NewMappingService returns the remembered mappings of db.
func NewMappingService(db *DB) *MappingService { return &MappingService{db: db, Keep: 500} }

var _ callsheet.MappingService = (*MappingService)(nil)

// FindMappingByColumns implements callsheet.MappingService.
func (s *MappingService) FindMappingByColumns(ctx context.Context, columns []string) (*callsheet.SavedMapping, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	m := &callsheet.SavedMapping{AccountID: a.AccountID}
	var cols, mapping string
	var saved int64
	err = s.db.queryRow(ctx, `SELECT columns, mapping, saved_by, saved_at FROM saved_mappings WHERE account_id = ? AND columns_key = ?`,
		a.AccountID, callsheet.ColumnsKey(columns)).Scan(&cols, &mapping, &m.SavedBy, &saved)
	if err == sql.ErrNoRows {
		return nil, notFound("Remembered mapping")
	} else if err != nil {
		return nil, s.db.translate(err)
	}
	if err := json.Unmarshal([]byte(cols), &m.Columns); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(mapping), &m.Mapping); err != nil {
		return nil, err
	}
	m.SavedAt = fromMicros(saved)
	return m, nil
}

// SaveMapping implements callsheet.MappingService.
func (s *MappingService) SaveMapping(ctx context.Context, m *callsheet.SavedMapping) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Mapping == nil {
		m.Mapping = map[string]string{}
	}
	m.AccountID, m.SavedBy = a.AccountID, a.Name
	return s.db.withTx(ctx, func(tx *Tx) error {
		m.SavedAt = tx.now
		if _, err := tx.exec(ctx, `INSERT INTO saved_mappings (account_id, columns_key, columns, mapping, saved_by, saved_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, columns_key) DO UPDATE SET columns = excluded.columns, mapping = excluded.mapping,
				saved_by = excluded.saved_by, saved_at = excluded.saved_at`,
			a.AccountID, callsheet.ColumnsKey(m.Columns), mustJSON(m.Columns), mustJSON(m.Mapping), m.SavedBy, micros(tx.now)); err != nil {
			return err
		}
		if s.Keep <= 0 {
			return nil
		}
		_, err := tx.exec(ctx, `DELETE FROM saved_mappings WHERE account_id = ? AND columns_key NOT IN
			(SELECT columns_key FROM saved_mappings WHERE account_id = ? ORDER BY saved_at DESC, columns_key LIMIT ?)`,
			a.AccountID, a.AccountID, s.Keep)
		return err
	})
}
