package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/callsheet/callsheet"
)

// DoNotCallService implements callsheet.DoNotCallService.
type DoNotCallService struct{ db *DB }

// NewDoNotCallService returns the do-not-call service of db.
func NewDoNotCallService(db *DB) *DoNotCallService { return &DoNotCallService{db: db} }

var _ callsheet.DoNotCallService = (*DoNotCallService)(nil)

// blockedExpr is true when the customer row c is blocked: its phone's
// do-not-call request is newer than its contact-allowed date.
const blockedExpr = `EXISTS (SELECT 1 FROM do_not_call d WHERE d.account_id = c.account_id AND d.phone = c.phone
	AND d.requested_at > COALESCE(c.contact_allowed_at, -1))`

// FindDoNotCalls implements callsheet.DoNotCallService.
func (s *DoNotCallService) FindDoNotCalls(ctx context.Context, f callsheet.DoNotCallFilter) ([]*callsheet.DoNotCall, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	var w where
	w.add("account_id = ?", a.AccountID)
	if f.Phone != nil {
		w.add("phone = ?", *f.Phone)
	}
	page, pageArgs := limitOffset(w.args, f.Limit, f.Offset)
	rows, err := s.db.query(ctx, `SELECT id, account_id, phone, requested_at, reason, count(*) OVER () FROM do_not_call WHERE `+w.String()+
		` ORDER BY requested_at DESC, id DESC`+page, pageArgs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*callsheet.DoNotCall
	n := 0
	for rows.Next() {
		var d callsheet.DoNotCall
		var at int64
		if err := rows.Scan(&d.ID, &d.AccountID, &d.Phone, &at, &d.Reason, &n); err != nil {
			return nil, 0, err
		}
		d.RequestedAt = fromMicros(at)
		out = append(out, &d)
	}
	return out, n, rows.Err()
}

// AddDoNotCall implements callsheet.DoNotCallService.
func (s *DoNotCallService) AddDoNotCall(ctx context.Context, phone, reason string) (*callsheet.DoNotCall, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !callsheet.ValidE164(phone) {
		return nil, &callsheet.Error{Code: callsheet.EINVALID, Message: "Phone must be a valid number.", Fields: map[string]string{"phone": "Phone must be a valid number."}}
	}
	if p := callsheet.TextProblem(reason, false); p != "" {
		return nil, &callsheet.Error{Code: callsheet.EINVALID, Message: "Reason " + p, Fields: map[string]string{"reason": "Reason " + p}}
	}
	var d *callsheet.DoNotCall
	err = s.db.withTx(ctx, func(tx *Tx) error {
		if err := recordDoNotCall(ctx, tx, a.AccountID, phone, reason, tx.now); err != nil {
			return err
		}
		var id, at int64
		if err := tx.queryRow(ctx, `SELECT id, requested_at FROM do_not_call WHERE account_id = ? AND phone = ?`, a.AccountID, phone).Scan(&id, &at); err != nil {
			return err
		}
		d = &callsheet.DoNotCall{ID: id, AccountID: a.AccountID, Phone: phone, RequestedAt: fromMicros(at), Reason: reason}
		return tx.audit(ctx, a, "do_not_call.add", "do_not_call", id, map[string]string{"phone": phone, "reason": reason})
	})
	return d, err
}

// recordDoNotCall records or renews a phone's request as of at.
func recordDoNotCall(ctx context.Context, tx *Tx, accountID int64, phone, reason string, at time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO do_not_call (account_id, phone, requested_at, reason) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, phone) DO UPDATE SET requested_at = excluded.requested_at, reason = excluded.reason`,
		accountID, phone, micros(at), reason)
	return err
}

// isBlocked reports whether a phone with the given contact-allowed date is
// blocked in the account.
func isBlocked(ctx context.Context, q querier, accountID int64, phone string, contactAllowed *time.Time) (bool, error) {
	var at int64
	err := q.queryRow(ctx, `SELECT requested_at FROM do_not_call WHERE account_id = ? AND phone = ?`, accountID, phone).Scan(&at)
	if err == sql.ErrNoRows {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return contactAllowed == nil || at > contactAllowed.UnixMicro(), nil
}
