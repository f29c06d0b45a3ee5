package storetest_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

func TestRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := sqldb.NewRateLimitService(db)
		// A minute boundary, so that tests know where windows start.
		base := time.Unix(1_700_000_000, 0).Truncate(time.Minute)
		var clock atomic.Int64
		set := func(t time.Time) { clock.Store(t.UnixMicro()) }
		db.Now = func() time.Time { return time.UnixMicro(clock.Load()) }
		t.Cleanup(func() { db.Now = time.Now })
		perMinute := func(n int) callsheet.RateLimit { return callsheet.RateLimit{Events: n, Window: time.Minute} }
		reserve := func(t *testing.T, key string, l callsheet.RateLimit) *callsheet.RateLimitReservation {
			t.Helper()
			r, err := s.ReserveEvent(ctx, key, l)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		fill := func(t *testing.T, key string, l callsheet.RateLimit, n int) {
			t.Helper()
			for i := 0; i < n; i++ {
				if r := reserve(t, key, l); !r.OK {
					t.Fatalf("event %d of %d refused", i+1, n)
				}
			}
		}
		// retryIsExact checks that a refused key is refused until just
		// before its RetryAfter and takes an event at it.
		retryIsExact := func(t *testing.T, key string, l callsheet.RateLimit, now time.Time) {
			t.Helper()
			set(now)
			r := reserve(t, key, l)
			if r.OK || r.RetryAfter <= 0 {
				t.Fatalf("at %v: %+v, want a refusal with a wait", now.Sub(base), r)
			}
			set(now.Add(r.RetryAfter - time.Microsecond))
			if r2 := reserve(t, key, l); r2.OK {
				t.Fatalf("an event fitted before the wait of %v was over", r.RetryAfter)
			}
			set(now.Add(r.RetryAfter))
			if r2 := reserve(t, key, l); !r2.OK {
				t.Fatalf("no event fitted after the wait of %v: %+v", r.RetryAfter, r2)
			}
		}

		t.Run("counts up to the limit, then refuses without counting", func(t *testing.T) {
			set(base.Add(10 * time.Second))
			fill(t, "a", perMinute(3), 3)
			for i := 0; i < 3; i++ {
				r := reserve(t, "a", perMinute(3))
				if r.OK {
					t.Fatal("a fourth event fitted in a limit of three")
				}
				// The current window is full: the wait runs past its end
				// (50 s) and into the next while this one fades.
				if r.RetryAfter <= 50*time.Second || r.RetryAfter > 110*time.Second {
					t.Fatalf("RetryAfter %v", r.RetryAfter)
				}
			}
			// Refusals were not counted: a little over a third into the
			// next window, under two thirds of the three count (rounded
			// up, 2), so exactly one fits.
			set(base.Add(81 * time.Second))
			fill(t, "a", perMinute(3), 1)
			if r := reserve(t, "a", perMinute(3)); r.OK {
				t.Fatal("the previous window did not count")
			}
		})
		t.Run("keys are counted apart", func(t *testing.T) {
			set(base.Add(5 * time.Second))
			fill(t, "login:ana", perMinute(2), 2)
			fill(t, "login:bob", perMinute(2), 2)
			if r := reserve(t, "login:ana", perMinute(2)); r.OK {
				t.Fatal("ana over her limit")
			}
		})
		t.Run("parallel reservations take exactly the limit", func(t *testing.T) {
			set(base.Add(20 * time.Second))
			var ok, refused atomic.Int32
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for i := 0; i < 200; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := s.ReserveEvent(ctx, "parallel", perMinute(50))
					switch {
					case err != nil:
						errs <- err
					case r.OK:
						ok.Add(1)
					default:
						refused.Add(1)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if ok.Load() != 50 || refused.Load() != 150 {
				t.Fatalf("%d reserved, %d refused; want 50 and 150", ok.Load(), refused.Load())
			}
		})
		t.Run("a released event fits again, once", func(t *testing.T) {
			set(base.Add(30 * time.Second))
			fill(t, "release", perMinute(2), 1)
			r := reserve(t, "release", perMinute(2))
			if !r.OK {
				t.Fatal("second event refused")
			}
			must(t, s.ReleaseEvent(ctx, r))
			must(t, s.ReleaseEvent(ctx, &callsheet.RateLimitReservation{Key: "release"})) // not OK: gives nothing back
			fill(t, "release", perMinute(2), 1)
			if r := reserve(t, "release", perMinute(2)); r.OK {
				t.Fatal("a refused reservation's release gave an event back")
			}
		})
		t.Run("reset forgets the key", func(t *testing.T) {
			set(base.Add(40 * time.Second))
			fill(t, "reset", perMinute(2), 2)
			must(t, s.ResetEvents(ctx, "reset"))
			fill(t, "reset", perMinute(2), 2)
		})
		t.Run("the previous window fades as the current one goes on", func(t *testing.T) {
			w0 := base.Add(10 * time.Minute)
			set(w0)
			fill(t, "fade", perMinute(10), 10)
			// At the next window's start all ten still count; at 10 % into
			// it, nine (rounded up) do, and one fits.
			retryIsExact(t, "fade", perMinute(10), w0.Add(time.Minute))
			// Half-way, five of the previous ten count, with one now in
			// this window: four more fit.
			set(w0.Add(90 * time.Second))
			fill(t, "fade", perMinute(10), 4)
			if r := reserve(t, "fade", perMinute(10)); r.OK {
				t.Fatal("more than the limit over the last minute")
			}
			// Two windows after the second, nothing counts.
			set(w0.Add(3 * time.Minute))
			fill(t, "fade", perMinute(10), 10)
			// The wait of a key whose own window is full crosses into the
			// next window.
			w2 := base.Add(20 * time.Minute)
			set(w2.Add(15 * time.Second))
			fill(t, "full", perMinute(4), 4)
			retryIsExact(t, "full", perMinute(4), w2.Add(15*time.Second))
		})
		t.Run("a burst across a window's edge stays within the limit", func(t *testing.T) {
			w := base.Add(30 * time.Minute)
			set(w.Add(-time.Second))
			fill(t, "edge", perMinute(20), 20)
			set(w.Add(time.Second))
			if r := reserve(t, "edge", perMinute(20)); r.OK {
				t.Fatal("a fresh window let a burst through")
			}
		})
		t.Run("expired counters are swept", func(t *testing.T) {
			set(base.Add(40 * time.Minute))
			fill(t, "sweep", perMinute(5), 1)
			set(base.Add(41 * time.Minute))
			fill(t, "sweep", perMinute(5), 1)
			count := func() (n int) {
				t.Helper()
				must(t, db.SQL().QueryRow(`SELECT count(*) FROM rate_limits WHERE limit_key = 'sweep'`).Scan(&n))
				return n
			}
			if n := count(); n != 2 {
				t.Fatalf("%d rows, want one per window", n)
			}
			// The first window is needed until the end of the second.
			set(base.Add(41*time.Minute + 59*time.Second))
			if _, err := s.SweepRateLimits(ctx); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 2 {
				t.Fatalf("%d rows after an early sweep, want 2", n)
			}
			set(base.Add(42 * time.Minute))
			if _, err := s.SweepRateLimits(ctx); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 1 {
				t.Fatalf("%d rows after the first window expired, want 1", n)
			}
		})
		t.Run("bad keys and limits are refused", func(t *testing.T) {
			_, err := s.ReserveEvent(ctx, "", perMinute(1))
			wantCode(t, err, callsheet.EINVALID)
			_, err = s.ReserveEvent(ctx, strings.Repeat("k", 513), perMinute(1))
			wantCode(t, err, callsheet.EINVALID)
			_, err = s.ReserveEvent(ctx, "k", perMinute(0))
			wantCode(t, err, callsheet.EINVALID)
			_, err = s.ReserveEvent(ctx, "k", callsheet.RateLimit{Events: 1})
			wantCode(t, err, callsheet.EINVALID)
		})
	})
}

// BenchmarkRateLimitReserve measures one reservation, the cost the
// database counter adds to every API request on PostgreSQL: spread over a
// thousand keys, as tokens within their rate, and all on one key, whose
// row every request then waits its turn for.
func BenchmarkRateLimitReserve(b *testing.B) {
	for _, engine := range storetest.Engines {
		for _, nkeys := range []int{1000, 1} {
			b.Run(fmt.Sprintf("%s/keys=%d", engine, nkeys), func(b *testing.B) {
				db := storetest.MustOpenDB(b, engine)
				s := sqldb.NewRateLimitService(db)
				ctx := context.Background()
				limit := callsheet.RateLimit{Events: 1 << 30, Window: time.Minute}
				keys := make([]string, nkeys)
				for i := range keys {
					keys[i] = "api:token:" + strconv.Itoa(i)
				}
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						r, err := s.ReserveEvent(ctx, keys[i%len(keys)], limit)
						if err != nil || !r.OK {
							b.Fatalf("%+v %v", r, err)
						}
						i++
					}
				})
			})
		}
	}
}
