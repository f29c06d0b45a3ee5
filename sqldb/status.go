package sqldb

import (
	"context"

	"github.com/callsheet/callsheet"
)

// StatusService implements callsheet.StatusService.
type StatusService struct{ db *DB }

// NewStatusService returns the status service of db.
func NewStatusService(db *DB) *StatusService { return &StatusService{db: db} }

var _ callsheet.StatusService = (*StatusService)(nil)

// FindStatusByID implements callsheet.StatusService.
func (s *StatusService) FindStatusByID(ctx context.Context, id int64) (*callsheet.Status, error) {
	ss, _, err := s.FindStatuses(ctx, callsheet.StatusFilter{ID: &id})
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, notFound("Status")
	}
	return ss[0], nil
}

// FindStatuses implements callsheet.StatusService.
func (s *StatusService) FindStatuses(ctx context.Context, f callsheet.StatusFilter) ([]*callsheet.Status, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	return findStatuses(ctx, s.db, a.AccountID, f)
}

func findStatuses(ctx context.Context, q querier, accountID int64, f callsheet.StatusFilter) ([]*callsheet.Status, int, error) {
	var w where
	w.add("account_id = ?", accountID)
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Name != nil {
		w.add("name = ?", *f.Name)
	}
	if f.Kind != nil {
		w.add("kind = ?", string(*f.Kind))
	}
	rows, err := q.query(ctx, `SELECT id, account_id, name, kind, position FROM statuses WHERE `+w.String()+` ORDER BY position, id`, w.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*callsheet.Status
	for rows.Next() {
		var st callsheet.Status
		var kind string
		if err := rows.Scan(&st.ID, &st.AccountID, &st.Name, &kind, &st.Position); err != nil {
			return nil, 0, err
		}
		st.Kind = callsheet.StatusKind(kind)
		out = append(out, &st)
	}
	return out, len(out), rows.Err()
}

func statusConflict(err error, name string) error {
	if callsheet.ErrorCode(err) != callsheet.ECONFLICT {
		return err
	}
	return withFields(callsheet.Errorf(callsheet.ECONFLICT, "A status named %s already exists.", name),
		map[string]string{"name": "This name is taken."})
}

// CreateStatus implements callsheet.StatusService.
func (s *StatusService) CreateStatus(ctx context.Context, st *callsheet.Status) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return err
	}
	st.AccountID = a.AccountID
	return s.db.withTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `SELECT COALESCE(max(position), 0) + 1 FROM statuses WHERE account_id = ?`, a.AccountID).Scan(&st.Position); err != nil {
			return err
		}
		if st.Kind == callsheet.StatusInitial {
			if _, err := tx.exec(ctx, `UPDATE statuses SET kind = 'open' WHERE account_id = ? AND kind = 'initial'`, a.AccountID); err != nil {
				return err
			}
		}
		id, err := tx.insert(ctx, `INSERT INTO statuses (account_id, name, kind, position) VALUES (?, ?, ?, ?)`,
			a.AccountID, st.Name, string(st.Kind), st.Position)
		if err != nil {
			return statusConflict(err, st.Name)
		}
		st.ID = id
		return tx.audit(ctx, a, "status.create", "status", id, map[string]any{"name": st.Name, "kind": st.Kind})
	})
}

// UpdateStatus implements callsheet.StatusService.
func (s *StatusService) UpdateStatus(ctx context.Context, id int64, upd callsheet.StatusUpdate) (*callsheet.Status, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.FindStatusByID(ctx, id)
	if err != nil {
		return nil, err
	}
	wasInitial := st.Kind == callsheet.StatusInitial
	if upd.Name != nil {
		st.Name = *upd.Name
	}
	if upd.Kind != nil {
		st.Kind = *upd.Kind
	}
	if upd.Position != nil {
		st.Position = *upd.Position
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	if wasInitial && st.Kind != callsheet.StatusInitial {
		return nil, &callsheet.Error{Code: callsheet.EINVALID, Message: "An account always has one initial status: make another status initial instead.",
			Fields: map[string]string{"kind": "Make another status initial instead."}}
	}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		if st.Kind == callsheet.StatusInitial && !wasInitial {
			if _, err := tx.exec(ctx, `UPDATE statuses SET kind = 'open' WHERE account_id = ? AND kind = 'initial'`, a.AccountID); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE statuses SET name = ?, kind = ?, position = ? WHERE id = ? AND account_id = ?`,
			st.Name, string(st.Kind), st.Position, id, a.AccountID); err != nil {
			return statusConflict(err, st.Name)
		}
		return tx.audit(ctx, a, "status.update", "status", id, map[string]any{"name": st.Name, "kind": st.Kind, "position": st.Position})
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}
