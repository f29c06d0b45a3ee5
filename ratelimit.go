package callsheet

import (
	"context"
	"time"
)

// RateLimit is a number of events allowed in any window of time.
type RateLimit struct {
	Events int           // at most this many, at least 1
	Window time.Duration // in any window this long
}

// RateLimitReservation is the answer to a reservation: whether the event
// fitted in the limit and was counted, and if not, how long to wait.
type RateLimitReservation struct {
	Key string
	// OK reports that the event was counted: the caller may go ahead.
	// When it is false nothing was counted.
	OK bool
	// RetryAfter is, when OK is false, about how long until an event of
	// the key fits again.
	RetryAfter time.Duration
	// At is where the service counted the event; ReleaseEvent uses it to
	// give back that very event and no other.
	At time.Time
}

// RateLimitService counts events, such as failed logins or API requests,
// against limits. Each key is counted on its own, so callers name keys
// by what they limit ("login:ana", "ip:192.0.2.7", "api:token:12"): a
// key is never shared by two accounts' tokens or users.
//
// Reserving is atomic: of many requests that reserve the last free event
// of a key at once, exactly one gets it. That is what lets a caller
// reserve an attempt before doing the slow work it limits, rather than
// check first and count afterwards. An implementation may be one
// process's memory or a database that several app servers share.
type RateLimitService interface {
	// ReserveEvent counts one event of key against limit when it fits and
	// reports whether it did. An error means the count could not be
	// taken; callers decide whether to go ahead without it.
	ReserveEvent(ctx context.Context, key string, limit RateLimit) (*RateLimitReservation, error)

	// ReleaseEvent gives back an event ReserveEvent counted, for an
	// attempt that turned out not to count (a login that succeeded).
	// Releasing a reservation that was not OK does nothing.
	ReleaseEvent(ctx context.Context, r *RateLimitReservation) error

	// ResetEvents forgets every event of key, such as the failed logins
	// of a login that has just succeeded.
	ResetEvents(ctx context.Context, key string) error
}
