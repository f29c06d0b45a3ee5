package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

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
	// Agents put a phone on the register by giving a customer a
	// do-not-call status; the register itself is the admins'.
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	if !callsheet.ValidE164(phone) {
		return nil, &callsheet.Error{Code: callsheet.EINVALID, Message: "Phone must be a valid number.", Fields: map[string]string{"phone": "Phone must be a valid number."}}
	}
	if err := checkReason(reason, false); err != nil {
		return nil, err
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

// checkReason refuses a reason that cannot be stored, or a missing one
// where the change must say why.
func checkReason(reason string, required bool) error {
	if m, ok := callsheet.TextProblemMsg(callsheet.Msg("Reason"), reason, false); ok {
		return onField(&callsheet.Error{Code: callsheet.EINVALID, Message: m.String(), Msg: m}, "reason")
	} else if utf8.RuneCountInString(reason) > callsheet.MaxDoNotCallReasonLength {
		return onField(callsheet.Errorf(callsheet.EINVALID, "Reason is longer than %d characters.", callsheet.MaxDoNotCallReasonLength), "reason")
	} else if required && strings.TrimSpace(reason) == "" {
		return onField(callsheet.Errorf(callsheet.EINVALID, "Say why: the reason is kept in the audit log."), "reason")
	}
	return nil
}

// RemoveDoNotCall implements callsheet.DoNotCallService.
func (s *DoNotCallService) RemoveDoNotCall(ctx context.Context, phone, reason string) (*callsheet.DoNotCallRemoval, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if !callsheet.ValidE164(phone) {
		return nil, &callsheet.Error{Code: callsheet.EINVALID, Message: "Phone must be a valid number.", Fields: map[string]string{"phone": "Phone must be a valid number."}}
	}
	if err := checkReason(reason, true); err != nil {
		return nil, err
	}
	var out *callsheet.DoNotCallRemoval
	err = s.db.withTx(ctx, func(tx *Tx) error {
		// Deleting first holds the entry, so an import renewing it at the
		// same time waits, and the customers counted below are the ones
		// this very request blocked.
		d := &callsheet.DoNotCall{AccountID: a.AccountID, Phone: phone}
		var at int64
		err := tx.queryRow(ctx, `DELETE FROM do_not_call WHERE account_id = ? AND phone = ? RETURNING id, requested_at, reason`,
			a.AccountID, phone).Scan(&d.ID, &at, &d.Reason)
		if err == sql.ErrNoRows {
			return onField(callsheet.Errorf(callsheet.ENOTFOUND, "%s is not on the do-not-call register.", phone), "phone")
		} else if err != nil {
			return tx.db.translate(err)
		}
		d.RequestedAt = fromMicros(at)
		out = &callsheet.DoNotCallRemoval{Entry: d, Unblocked: []int64{}, InDoNotCallStatus: []int64{}}
		rows, err := tx.query(ctx, `SELECT c.id, s.kind FROM customers c JOIN statuses s ON s.id = c.status_id
			WHERE c.account_id = ? AND c.phone = ? AND ? > COALESCE(c.contact_allowed_at, -1) ORDER BY c.id`, a.AccountID, phone, at)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var kind string
			if err := rows.Scan(&id, &kind); err != nil {
				rows.Close()
				return err
			}
			out.Unblocked = append(out.Unblocked, id)
			if callsheet.StatusKind(kind) == callsheet.StatusDoNotCall {
				out.InDoNotCallStatus = append(out.InDoNotCallStatus, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := tx.audit(ctx, a, "do_not_call.remove", "do_not_call", d.ID, map[string]any{"phone": phone, "reason": reason,
			"requested_at": d.RequestedAt, "unblocked": len(out.Unblocked)}); err != nil {
			return err
		}
		// Each customer's own history says why its block went away. A
		// phone is in a campaign once, so these are at most one a campaign.
		for _, id := range out.Unblocked {
			if err := tx.audit(ctx, a, "customer.unblock", "customer", id, map[string]any{"phone": phone, "reason": reason}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AllowContact implements callsheet.DoNotCallService.
func (s *DoNotCallService) AllowContact(ctx context.Context, customerID int64, reason string, statusID int64) (*callsheet.Customer, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason, true); err != nil {
		return nil, err
	}
	var out *callsheet.Customer
	err = s.db.withTx(ctx, func(tx *Tx) error {
		c, err := findCustomerByID(ctx, tx, a, customerID)
		if err != nil {
			return err
		}
		kind, err := statusKind(ctx, tx, a.AccountID, c.StatusID)
		if err != nil {
			return err
		}
		inStatus := kind == callsheet.StatusDoNotCall
		if !c.Blocked && !inStatus {
			return callsheet.Errorf(callsheet.EINVALID, "This customer may already be called: nothing to allow.")
		}
		newStatus := c.StatusID
		if inStatus {
			// Lifting the block but leaving the status would keep the
			// customer out of every work list, which is not what "allow
			// contact again" promises.
			if statusID == 0 {
				return onField(callsheet.Errorf(callsheet.EINVALID, "Choose the status the customer goes back to."), "status")
			}
			k, err := statusKind(ctx, tx, a.AccountID, statusID)
			if callsheet.ErrorCode(err) == callsheet.ENOTFOUND {
				return &callsheet.Error{Code: callsheet.ENOTFOUND, Message: "Status not found.", Fields: map[string]string{"status": "Status not found."}}
			} else if err != nil {
				return err
			}
			if k == callsheet.StatusDoNotCall {
				return onField(callsheet.Errorf(callsheet.EINVALID, "Choose a status that is not a do-not-call one."), "status")
			}
			newStatus = statusID
		}
		if _, err := tx.exec(ctx, `UPDATE customers SET contact_allowed_at = ?, status_id = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND account_id = ?`, micros(tx.now), newStatus, micros(tx.now), c.ID, a.AccountID); err != nil {
			return err
		}
		detail := map[string]any{"phone": c.Phone, "reason": reason, "was_blocked": c.Blocked}
		if newStatus != c.StatusID {
			detail["status_id"] = newStatus
		}
		if err := tx.audit(ctx, a, "customer.allow_contact", "customer", c.ID, detail); err != nil {
			return err
		}
		out, err = findCustomerByID(ctx, tx, a, c.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// statusKind returns the kind of one of the account's statuses.
func statusKind(ctx context.Context, q querier, accountID, id int64) (callsheet.StatusKind, error) {
	var kind string
	err := q.queryRow(ctx, `SELECT kind FROM statuses WHERE account_id = ? AND id = ?`, accountID, id).Scan(&kind)
	if err == sql.ErrNoRows {
		return "", notFound("Status")
	}
	return callsheet.StatusKind(kind), err
}
