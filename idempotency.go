package callsheet

import (
	"context"
	"time"
)

// IdempotencyTTL is how long an answer is kept for replay. Clients retry
// within seconds or minutes; a day covers a retry after an outage too.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyLease is how long a claimed key waits for its first request to
// answer. Past it, the server that claimed the key is taken to have
// stopped (its transaction rolled back), and a retry may run the request.
const IdempotencyLease = 10 * time.Minute

// MaxIdempotencyKeyLength is the longest Idempotency-Key accepted.
const MaxIdempotencyKeyLength = 255

// StoredResponse is the first answer to a request that carried an
// idempotency key, kept so that retries get it again. Header holds the
// headers that belong to the answer, such as Content-Type and Location.
type StoredResponse struct {
	Status int
	Header map[string]string
	Body   []byte
}

// IdempotencyService remembers requests by their Idempotency-Key, per
// account and per token (or user), so that a client retrying a POST gets
// the first answer and changes nothing. It is persisted, so that several
// app servers on one database agree.
type IdempotencyService interface {
	// BeginRequest claims key for a request whose method, path and body
	// hash to fingerprint. It returns nil, nil when the request should run;
	// the caller then calls FinishRequest or AbandonRequest. It returns
	// the stored answer when the same request has already been answered.
	// Returns ECONFLICT (the first request is still running), EINVALID
	// (the key was used for a different request).
	BeginRequest(ctx context.Context, key, fingerprint string) (*StoredResponse, error)

	// FinishRequest stores the answer of a request claimed by BeginRequest.
	FinishRequest(ctx context.Context, key string, resp *StoredResponse) error

	// AbandonRequest forgets a claimed key whose request failed without an
	// answer worth keeping (a server error), so that a retry runs it again.
	AbandonRequest(ctx context.Context, key string) error
}
