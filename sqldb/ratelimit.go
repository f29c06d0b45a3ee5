package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"time"

	"github.com/callsheet/callsheet"
)

// RateLimitService implements callsheet.RateLimitService in the database,
// so that every app server on one PostgreSQL counts against the same
// limits. Each reservation is one statement.
//
// Events are counted in fixed windows, one row per key and window. A
// limit is held over a sliding window by weighing the previous window's
// count by the share of it that still falls within the last Window: at a
// quarter into a window, three quarters of the previous one count. The
// weighted count is rounded up, so the estimate never lets through more
// than the limit in a burst that straddles two windows.
//
// The counters are not account data: keys name logins, client addresses
// and API tokens, which are unique across accounts, so there is no
// account to scope them to.
type RateLimitService struct {
	db *DB

	// lastSweep is when this process last deleted expired counters, in
	// Unix microseconds of the database clock.
	lastSweep atomic.Int64
}

// NewRateLimitService returns the rate limit counters of db.
func NewRateLimitService(db *DB) *RateLimitService { return &RateLimitService{db: db} }

var _ callsheet.RateLimitService = (*RateLimitService)(nil)

// rateLimitSweepEvery is how often a process deletes expired counters.
// Each app server sweeps for all, so a stopped one leaves nothing behind.
const rateLimitSweepEvery = 5 * time.Minute

// maxRateLimitKey bounds a key; callers hash anything longer.
const maxRateLimitKey = 512

// weightScale is the unit of the previous window's weight: the statement
// takes it as an integer number of 1024ths, so both engines compute it
// with the same integer arithmetic.
const weightScale = 1024

// reserveSQL counts one event of a key in the current window when the
// weighted count of the previous window plus the current count leaves
// room. A new window's row is inserted only if there is room; an existing
// one is incremented only if there is room, and the conflict clause locks
// the row, so concurrent reservations see each other's. When there is no
// room nothing is written and no row comes back.
//
// Parameters: key, previous window's start, weight, key, current window's
// start, expiry, events, events.
const reserveSQL = `WITH prev AS (
	SELECT (coalesce((SELECT hits FROM rate_limits WHERE limit_key = ? AND window_start = ?), 0) * ? + 1023) / 1024 AS hits
)
INSERT INTO rate_limits (limit_key, window_start, hits, expires_at)
SELECT ?, ?, 1, ? FROM prev WHERE prev.hits < ?
ON CONFLICT (limit_key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
WHERE rate_limits.hits + (SELECT hits FROM prev) < ?
RETURNING hits`

func checkRateLimit(key string, limit callsheet.RateLimit) error {
	if key == "" || len(key) > maxRateLimitKey {
		return callsheet.Errorf(callsheet.EINVALID, "A rate limit key has 1 to %d bytes.", maxRateLimitKey)
	}
	if limit.Events < 1 || limit.Window < time.Millisecond {
		return callsheet.Errorf(callsheet.EINVALID, "A rate limit allows at least one event in at least a millisecond.")
	}
	return nil
}

// ReserveEvent implements callsheet.RateLimitService.
func (s *RateLimitService) ReserveEvent(ctx context.Context, key string, limit callsheet.RateLimit) (*callsheet.RateLimitReservation, error) {
	if err := checkRateLimit(key, limit); err != nil {
		return nil, err
	}
	s.maybeSweep(ctx)
	w := limit.Window.Microseconds()
	now := micros(s.db.Now())
	start := now - now%w
	elapsed := now - start
	events := int64(limit.Events)
	var hits int64
	err := s.db.queryRow(ctx, reserveSQL, key, start-w, prevWeight(elapsed, w), key, start, start+2*w, events, events).Scan(&hits)
	if err == nil {
		return &callsheet.RateLimitReservation{Key: key, OK: true, At: fromMicros(start)}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, s.db.translate(err)
	}
	// Refused. Read the two counts to say how long until an event fits;
	// refusals are the rare path, so this second statement costs little.
	rows, err := s.db.query(ctx, `SELECT window_start, hits FROM rate_limits WHERE limit_key = ? AND window_start IN (?, ?)`, key, start-w, start)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var prev, cur int64
	for rows.Next() {
		var ws, n int64
		if err := rows.Scan(&ws, &n); err != nil {
			return nil, err
		}
		if ws == start {
			cur = n
		} else {
			prev = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	wait := rateLimitWait(prev, cur, events, elapsed, w)
	return &callsheet.RateLimitReservation{Key: key, RetryAfter: time.Duration(wait) * time.Microsecond}, nil
}

// ReleaseEvent implements callsheet.RateLimitService.
func (s *RateLimitService) ReleaseEvent(ctx context.Context, r *callsheet.RateLimitReservation) error {
	if r == nil || !r.OK {
		return nil
	}
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE rate_limits SET hits = hits - 1 WHERE limit_key = ? AND window_start = ? AND hits > 0`),
		r.Key, micros(r.At))
	return s.db.translate(err)
}

// ResetEvents implements callsheet.RateLimitService.
func (s *RateLimitService) ResetEvents(ctx context.Context, key string) error {
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`DELETE FROM rate_limits WHERE limit_key = ?`), key)
	return s.db.translate(err)
}

// SweepRateLimits deletes the counters of windows too old to count any
// more and returns how many went. ReserveEvent calls it now and then.
func (s *RateLimitService) SweepRateLimits(ctx context.Context) (int, error) {
	r, err := s.db.db.ExecContext(ctx, s.db.rebind(`DELETE FROM rate_limits WHERE expires_at <= ?`), micros(s.db.Now()))
	if err != nil {
		return 0, s.db.translate(err)
	}
	n, _ := r.RowsAffected()
	return int(n), nil
}

// maybeSweep sweeps when this process has not for a while. It is best
// effort: a failed sweep must not fail the request, and a later one tries
// again.
func (s *RateLimitService) maybeSweep(ctx context.Context) {
	now := micros(s.db.Now())
	last := s.lastSweep.Load()
	if now-last < rateLimitSweepEvery.Microseconds() || !s.lastSweep.CompareAndSwap(last, now) {
		return
	}
	if _, err := s.SweepRateLimits(ctx); err != nil {
		s.lastSweep.Store(last)
	}
}

// prevWeight is the share of the previous window that still falls within
// the last window, at elapsed microseconds into the current window of w,
// in 1024ths rounded up: rounding up counts slightly more of the previous
// window, never less.
func prevWeight(elapsed, w int64) int64 {
	return ((w-elapsed)*weightScale + w - 1) / w
}

// rateLimitWait returns how many microseconds, from elapsed into the
// current window of w, until one more event fits, given prev events in the
// previous window and cur in this one. It mirrors reserveSQL's arithmetic.
func rateLimitWait(prev, cur, events, elapsed, w int64) int64 {
	if at, ok := firstFit(prev, cur, events, w); ok && at < w {
		return max(at-elapsed, 1)
	}
	// Not within this window: in the next, this window's events are the
	// previous ones and fade from its start.
	at, _ := firstFit(cur, 0, events, w)
	return w - elapsed + at
}

// firstFit returns how far into a window one more event fits, with prev
// events in the window before and cur in this one, or false when the
// window itself is full. An event fits when
// ceil(prev*weight/1024) + cur < events, that is when
// weight <= (events-cur-1)*1024/prev; weight falls as the window goes on.
func firstFit(prev, cur, events, w int64) (int64, bool) {
	room := events - cur - 1
	if room < 0 {
		return 0, false
	}
	if prev == 0 {
		return 0, true
	}
	k := room * weightScale / prev
	if k >= weightScale {
		return 0, true
	}
	// weight(e) = ceil((w-e)*1024/w) <= k  <=>  e >= w - k*w/1024.
	return w - k*w/weightScale, true
}
