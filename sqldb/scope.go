package sqldb

import (
	"context"
	"encoding/json"

	"github.com/callsheet/callsheet"
)

// actorOf returns the actor of ctx, or EUNAUTHORIZED: every scoped query
// needs to know whose account it reads.
func actorOf(ctx context.Context) (*callsheet.Actor, error) {
	a := callsheet.ActorFromContext(ctx)
	if a == nil || a.AccountID == 0 {
		return nil, callsheet.Errorf(callsheet.EUNAUTHORIZED, "You must log in.")
	}
	return a, nil
}

// adminOf returns the actor of ctx if it is an admin, or EFORBIDDEN.
func adminOf(ctx context.Context) (*callsheet.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() {
		return nil, callsheet.Errorf(callsheet.EFORBIDDEN, "Only an admin may do this.")
	}
	return a, nil
}

// notFound is the error of an object that is not there (or not the
// actor's); what names it, a catalogue key such as "Campaign".
func notFound(what string) error {
	return callsheet.Errorf(callsheet.ENOTFOUND, "%s not found.", callsheet.Msg(what))
}

// withFields returns e with the field messages fields, each a catalogue key.
func withFields(e *callsheet.Error, fields map[string]string) *callsheet.Error {
	e.Fields = fields
	return e
}

// onField returns e with its message also the message of field.
func onField(e *callsheet.Error, field string) *callsheet.Error {
	e.Fields = map[string]string{field: e.Message}
	e.FieldMsgs = map[string]callsheet.Message{field: e.Msg}
	return e
}

// audit records an event in the transaction, so it commits or rolls back
// with the change it describes.
func (tx *Tx) audit(ctx context.Context, a *callsheet.Actor, action, objectType string, objectID int64, detail any) error {
	return tx.audits(ctx, a, auditEvent{action, objectType, objectID, detail})
}

// auditEvent is an event for audits.
type auditEvent struct {
	action, objectType string
	objectID           int64
	detail             any
}

// audits records events in the transaction, in order, in one statement.
func (tx *Tx) audits(ctx context.Context, a *callsheet.Actor, events ...auditEvent) error {
	var userID, tokenID any
	if a.UserID != 0 {
		userID = a.UserID
	}
	if a.TokenID != 0 {
		tokenID = a.TokenID
	}
	q := `INSERT INTO audit_events (account_id, user_id, token_id, actor_name, action, object_type, object_id, detail, created_at) VALUES `
	var args []any
	for i, e := range events {
		d := ""
		if e.detail != nil {
			b, err := json.Marshal(e.detail)
			if err != nil {
				return err
			}
			d = string(b)
		}
		if i > 0 {
			q += ", "
		}
		q += `(?, ?, ?, ?, ?, ?, ?, ?, ?)`
		args = append(args, a.AccountID, userID, tokenID, a.Name, e.action, e.objectType, e.objectID, d, micros(tx.now))
	}
	_, err := tx.exec(ctx, q, args...)
	return err
}
