package callsheet

import (
	"context"
	"time"
)

// DoNotCall is a request, recorded account-wide by phone, not to be called.
// A customer is blocked while the request is newer than the customer's
// contact-allowed date.
type DoNotCall struct {
	ID          int64     `json:"id"`
	AccountID   int64     `json:"account_id"`
	Phone       string    `json:"phone"`
	RequestedAt time.Time `json:"requested_at"`
	Reason      string    `json:"reason"`
}

// DoNotCallFilter narrows FindDoNotCalls.
type DoNotCallFilter struct {
	Phone  *string
	Offset int
	Limit  int
}

// DoNotCallService manages the do-not-call register.
type DoNotCallService interface {
	// FindDoNotCalls returns the register's entries, newest first.
	FindDoNotCalls(ctx context.Context, filter DoNotCallFilter) ([]*DoNotCall, int, error)

	// AddDoNotCall records (or renews) a phone's request not to be called,
	// as of now. Admins only. Returns EINVALID, EFORBIDDEN.
	AddDoNotCall(ctx context.Context, phone, reason string) (*DoNotCall, error)

	// RemoveDoNotCall deletes a phone's entry from the register, so that
	// no customer of the account is blocked by it any longer, and audits
	// the removal with its reason. Customers keep their statuses: one in a
	// do-not-call status stays out of the work lists until its status
	// changes. Admins only. Returns EINVALID (no reason), ENOTFOUND (the
	// phone is not on the register), EFORBIDDEN.
	RemoveDoNotCall(ctx context.Context, phone, reason string) (*DoNotCallRemoval, error)

	// AllowContact lets one customer be called again: its contact-allowed
	// date becomes now, which is newer than the register's request, and
	// the change is audited with its reason. Other customers with the
	// phone stay blocked. A customer in a do-not-call status moves to
	// statusID, which must be of another kind; otherwise statusID is
	// ignored. Admins only. Returns EINVALID (no reason, no status, or the
	// customer is neither blocked nor in a do-not-call status), ENOTFOUND,
	// EFORBIDDEN.
	AllowContact(ctx context.Context, customerID int64, reason string, statusID int64) (*Customer, error)
}

// DoNotCallRemoval says what removing a phone from the register did.
type DoNotCallRemoval struct {
	Entry *DoNotCall `json:"entry"` // the entry as it was
	// Unblocked lists the customers the entry blocked, callable again
	// as far as the register goes.
	Unblocked []int64 `json:"unblocked"`
	// InDoNotCallStatus lists those of them still in a do-not-call status.
	InDoNotCallStatus []int64 `json:"in_do_not_call_status"`
}

// MaxDoNotCallReasonLength bounds the reason given for a register change.
const MaxDoNotCallReasonLength = 500
