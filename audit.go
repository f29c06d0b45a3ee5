package callsheet

import (
	"context"
	"time"
)

// AuditEvent records who did what to which objects, and when.
type AuditEvent struct {
	ID         int64     `json:"id"`
	AccountID  int64     `json:"account_id"`
	UserID     int64     `json:"user_id,omitempty"`
	TokenID    int64     `json:"token_id,omitempty"`
	ActorName  string    `json:"actor"`
	Action     string    `json:"action"` // e.g. "customer.create", "import.run"
	ObjectType string    `json:"object_type"`
	ObjectID   int64     `json:"object_id"`
	Detail     string    `json:"detail,omitempty"` // a short JSON object
	CreatedAt  time.Time `json:"created_at"`
}

// AuditFilter narrows FindAuditEvents.
type AuditFilter struct {
	Action     *string
	ObjectType *string
	ObjectID   *int64
	Offset     int
	Limit      int
}

// AuditService reads the audit log. Stores write it as they change things.
type AuditService interface {
	// FindAuditEvents returns the account's events, newest first. Admins only.
	FindAuditEvents(ctx context.Context, filter AuditFilter) ([]*AuditEvent, int, error)
}
