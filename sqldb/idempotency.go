package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/callsheet/callsheet"
)

// IdempotencyService implements callsheet.IdempotencyService.
type IdempotencyService struct {
	db *DB

	// lastSweep is when this process last deleted expired keys, in Unix
	// microseconds of the database clock.
	lastSweep atomic.Int64
}

// NewIdempotencyService returns the idempotency service of db.
func NewIdempotencyService(db *DB) *IdempotencyService { return &IdempotencyService{db: db} }

var _ callsheet.IdempotencyService = (*IdempotencyService)(nil)

// idempotencySweepEvery is how often a process deletes expired keys; each
// app server does it for all, so a stopped one leaves nothing behind.
const idempotencySweepEvery = time.Hour

// idempotencyScope names who sent a key: keys of different tokens (or
// users) of one account never meet.
func idempotencyScope(a *callsheet.Actor) string {
	switch {
	case a.TokenID != 0:
		return "token:" + strconv.FormatInt(a.TokenID, 10)
	case a.UserID != 0:
		return "user:" + strconv.FormatInt(a.UserID, 10)
	}
	return "account"
}

func checkIdempotencyKey(key string) error {
	if key == "" || len(key) > callsheet.MaxIdempotencyKeyLength {
		return &callsheet.Error{Code: callsheet.EINVALID, Message: "An idempotency key has 1 to 255 characters.",
			Fields: map[string]string{"idempotency_key": "An idempotency key has 1 to 255 characters."}}
	}
	return nil
}

// BeginRequest implements callsheet.IdempotencyService.
func (s *IdempotencyService) BeginRequest(ctx context.Context, key, fingerprint string) (*callsheet.StoredResponse, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkIdempotencyKey(key); err != nil {
		return nil, err
	}
	s.maybeSweep(ctx)
	scope := idempotencyScope(a)
	running := callsheet.Errorf(callsheet.ECONFLICT, "A request with this Idempotency-Key is still being processed. Retry it in a moment.")
	var out *callsheet.StoredResponse
	err = s.db.withTx(ctx, func(tx *Tx) error {
		r, err := tx.exec(ctx, `INSERT INTO idempotency_keys (account_id, scope, idem_key, fingerprint, state, created_at)
			VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (account_id, scope, idem_key) DO NOTHING`,
			a.AccountID, scope, key, fingerprint, micros(tx.now))
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 1 {
			return nil
		}
		var (
			storedFP, state, headers string
			status                   int
			body                     []byte
			created                  int64
		)
		err = tx.queryRow(ctx, `SELECT fingerprint, state, status, headers, body, created_at FROM idempotency_keys
			WHERE account_id = ? AND scope = ? AND idem_key = ?`, a.AccountID, scope, key).Scan(&storedFP, &state, &status, &headers, &body, &created)
		if err == sql.ErrNoRows {
			// Abandoned between our insert and this read.
			return running
		} else if err != nil {
			return err
		}
		expired := created <= micros(tx.now.Add(-callsheet.IdempotencyTTL))
		stale := state == "pending" && created <= micros(tx.now.Add(-callsheet.IdempotencyLease))
		if expired || stale {
			// Compare and swap on the old claim time, so that only one of
			// several retries takes the key over.
			r, err := tx.exec(ctx, `UPDATE idempotency_keys SET fingerprint = ?, state = 'pending', status = 0, headers = '{}', body = NULL,
				created_at = ?, finished_at = NULL WHERE account_id = ? AND scope = ? AND idem_key = ? AND created_at = ?`,
				fingerprint, micros(tx.now), a.AccountID, scope, key, created)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 1 {
				return nil
			}
			return running
		}
		if storedFP != fingerprint {
			return &callsheet.Error{Code: callsheet.EINVALID, Message: "This Idempotency-Key was used for a different request. Use a new key for a new request.",
				Fields: map[string]string{"idempotency_key": "Used for a different request."}}
		}
		if state == "pending" {
			return running
		}
		out = &callsheet.StoredResponse{Status: status, Body: body}
		return json.Unmarshal([]byte(headers), &out.Header)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FinishRequest implements callsheet.IdempotencyService.
func (s *IdempotencyService) FinishRequest(ctx context.Context, key string, resp *callsheet.StoredResponse) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	header := resp.Header
	if header == nil {
		header = map[string]string{}
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		r, err := tx.exec(ctx, `UPDATE idempotency_keys SET state = 'done', status = ?, headers = ?, body = ?, finished_at = ?
			WHERE account_id = ? AND scope = ? AND idem_key = ? AND state = 'pending'`,
			resp.Status, mustJSON(header), body, micros(tx.now), a.AccountID, idempotencyScope(a), key)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return notFound("Idempotency key")
		}
		return nil
	})
}

// AbandonRequest implements callsheet.IdempotencyService.
func (s *IdempotencyService) AbandonRequest(ctx context.Context, key string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE account_id = ? AND scope = ? AND idem_key = ? AND state = 'pending'`,
			a.AccountID, idempotencyScope(a), key)
		return err
	})
}

// SweepIdempotencyKeys deletes the keys of every account older than
// callsheet.IdempotencyTTL and returns how many went. BeginRequest calls
// it now and then; an operator may call it at any time.
func (s *IdempotencyService) SweepIdempotencyKeys(ctx context.Context) (int, error) {
	var n int64
	err := s.db.withTx(ctx, func(tx *Tx) error {
		r, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at <= ?`, micros(tx.now.Add(-callsheet.IdempotencyTTL)))
		if err != nil {
			return err
		}
		n, _ = r.RowsAffected()
		return nil
	})
	return int(n), err
}

// maybeSweep sweeps when this process has not for a while. It is best
// effort: a failed sweep must not fail the request, and the next one
// tries again.
func (s *IdempotencyService) maybeSweep(ctx context.Context) {
	now := micros(s.db.Now())
	last := s.lastSweep.Load()
	if now-last < idempotencySweepEvery.Microseconds() || !s.lastSweep.CompareAndSwap(last, now) {
		return
	}
	if _, err := s.SweepIdempotencyKeys(ctx); err != nil {
		s.lastSweep.Store(last)
	}
}
