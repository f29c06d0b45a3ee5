package sqldb

import (
	"context"

	"github.com/callsheet/callsheet"
)

// CustomFieldService implements callsheet.CustomFieldService.
type CustomFieldService struct{ db *DB }

// NewCustomFieldService returns the custom field service of db.
func NewCustomFieldService(db *DB) *CustomFieldService { return &CustomFieldService{db: db} }

var _ callsheet.CustomFieldService = (*CustomFieldService)(nil)

// FindCustomFields implements callsheet.CustomFieldService.
func (s *CustomFieldService) FindCustomFields(ctx context.Context) ([]*callsheet.CustomField, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findCustomFields(ctx, s.db, a.AccountID)
}

func findCustomFields(ctx context.Context, q querier, accountID int64) ([]*callsheet.CustomField, error) {
	rows, err := q.query(ctx, `SELECT id, account_id, label, type FROM custom_fields WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*callsheet.CustomField
	for rows.Next() {
		var f callsheet.CustomField
		var typ string
		if err := rows.Scan(&f.ID, &f.AccountID, &f.Label, &typ); err != nil {
			return nil, err
		}
		f.Type = callsheet.CustomFieldType(typ)
		out = append(out, &f)
	}
	return out, rows.Err()
}

func fieldConflict(err error, label string) error {
	if callsheet.ErrorCode(err) != callsheet.ECONFLICT {
		return err
	}
	return withFields(callsheet.Errorf(callsheet.ECONFLICT, "A custom field labelled %s already exists.", label),
		map[string]string{"label": "This label is taken."})
}

// CreateCustomField implements callsheet.CustomFieldService.
func (s *CustomFieldService) CreateCustomField(ctx context.Context, f *callsheet.CustomField) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	f.AccountID = a.AccountID
	return s.db.withTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO custom_fields (account_id, label, type) VALUES (?, ?, ?)`, a.AccountID, f.Label, string(f.Type))
		if err != nil {
			return fieldConflict(err, f.Label)
		}
		f.ID = id
		return tx.audit(ctx, a, "custom_field.create", "custom_field", id, map[string]any{"label": f.Label, "type": f.Type})
	})
}

// UpdateCustomField implements callsheet.CustomFieldService.
func (s *CustomFieldService) UpdateCustomField(ctx context.Context, id int64, upd callsheet.CustomFieldUpdate) (*callsheet.CustomField, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := findCustomFields(ctx, s.db, a.AccountID)
	if err != nil {
		return nil, err
	}
	var f *callsheet.CustomField
	for _, x := range fs {
		if x.ID == id {
			f = x
		}
	}
	if f == nil {
		return nil, notFound("Custom field")
	}
	if upd.Label != nil {
		f.Label = *upd.Label
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE custom_fields SET label = ? WHERE id = ? AND account_id = ?`, f.Label, id, a.AccountID); err != nil {
			return fieldConflict(err, f.Label)
		}
		return tx.audit(ctx, a, "custom_field.update", "custom_field", id, map[string]any{"label": f.Label})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// DeleteCustomField implements callsheet.CustomFieldService. Values kept in
// customers' rows under the deleted id are no longer shown or exported.
func (s *CustomFieldService) DeleteCustomField(ctx context.Context, id int64) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		r, err := tx.exec(ctx, `DELETE FROM custom_fields WHERE id = ? AND account_id = ?`, id, a.AccountID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return notFound("Custom field")
		}
		return tx.audit(ctx, a, "custom_field.delete", "custom_field", id, nil)
	})
}
