package sqldb

import (
	"context"

	"github.com/callsheet/callsheet"
)

// AuditService implements callsheet.AuditService.
type AuditService struct{ db *DB }

// NewAuditService returns the audit service of db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

var _ callsheet.AuditService = (*AuditService)(nil)

// FindAuditEvents implements callsheet.AuditService.
func (s *AuditService) FindAuditEvents(ctx context.Context, f callsheet.AuditFilter) ([]*callsheet.AuditEvent, int, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	var w where
	w.add("account_id = ?", a.AccountID)
	if f.Action != nil {
		w.add("action = ?", *f.Action)
	}
	if f.ObjectType != nil {
		w.add("object_type = ?", *f.ObjectType)
	}
	if f.ObjectID != nil {
		w.add("object_id = ?", *f.ObjectID)
	}
	var total int
	if err := s.db.queryRow(ctx, `SELECT count(*) FROM audit_events WHERE `+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page, pageArgs := limitOffset(w.args, f.Limit, f.Offset)
	rows, err := s.db.query(ctx, `SELECT id, account_id, COALESCE(user_id, 0), COALESCE(token_id, 0), actor_name, action, object_type, object_id, detail, created_at
		FROM audit_events WHERE `+w.String()+` ORDER BY id DESC`+page, pageArgs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*callsheet.AuditEvent
	for rows.Next() {
		var e callsheet.AuditEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.AccountID, &e.UserID, &e.TokenID, &e.ActorName, &e.Action, &e.ObjectType, &e.ObjectID, &e.Detail, &at); err != nil {
			return nil, 0, err
		}
		e.CreatedAt = fromMicros(at)
		out = append(out, &e)
	}
	return out, total, rows.Err()
}
