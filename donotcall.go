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
	// as of now. Returns EINVALID.
	AddDoNotCall(ctx context.Context, phone, reason string) (*DoNotCall, error)
}
