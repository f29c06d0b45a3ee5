package web_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/web"
)

func TestMemoryRateLimits(t *testing.T) {
	ctx := context.Background()
	limit := callsheet.RateLimit{Events: 3, Window: time.Minute}
	start := time.Unix(1_700_000_000, 0)
	newLimits := func() (*web.MemoryRateLimits, *time.Time) {
		l := web.NewMemoryRateLimits()
		now := start
		l.Now = func() time.Time { return now }
		return l, &now
	}
	reserve := func(t *testing.T, l *web.MemoryRateLimits, key string) *callsheet.RateLimitReservation {
		t.Helper()
		r, err := l.ReserveEvent(ctx, key, limit)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	t.Run("the window slides", func(t *testing.T) {
		l, now := newLimits()
		for i := 0; i < 3; i++ {
			if !reserve(t, l, "k").OK {
				t.Fatalf("event %d refused", i+1)
			}
			*now = now.Add(10 * time.Second)
		}
		// Events at 0, 10 and 20 s; at 30 s the first leaves in 30 s.
		r := reserve(t, l, "k")
		if r.OK || r.RetryAfter != 30*time.Second {
			t.Fatalf("%+v, want a refusal for 30s", r)
		}
		*now = start.Add(time.Minute - time.Nanosecond)
		if reserve(t, l, "k").OK {
			t.Fatal("an event fitted before the first left the window")
		}
		*now = start.Add(time.Minute)
		if !reserve(t, l, "k").OK {
			t.Fatal("no event fitted once the first left the window")
		}
		if reserve(t, l, "other").OK != true {
			t.Fatal("keys are not counted apart")
		}
	})
	t.Run("parallel reservations take exactly the limit", func(t *testing.T) {
		l := web.NewMemoryRateLimits()
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r, err := l.ReserveEvent(ctx, "k", callsheet.RateLimit{Events: 10, Window: time.Minute}); err == nil && r.OK {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 10 {
			t.Fatalf("%d reserved, want 10", ok.Load())
		}
	})
	t.Run("release gives back its own event, reset all", func(t *testing.T) {
		l, now := newLimits()
		reserve(t, l, "k")
		*now = now.Add(time.Second)
		r := reserve(t, l, "k")
		reserve(t, l, "k")
		if err := l.ReleaseEvent(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := l.ReleaseEvent(ctx, &callsheet.RateLimitReservation{Key: "k"}); err != nil {
			t.Fatal(err)
		}
		if !reserve(t, l, "k").OK {
			t.Fatal("the released event did not fit again")
		}
		if reserve(t, l, "k").OK {
			t.Fatal("a release gave back more than one event")
		}
		if err := l.ResetEvents(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if !reserve(t, l, "k").OK {
				t.Fatal("reset did not forget the events")
			}
		}
	})
	t.Run("a limit of no events is refused", func(t *testing.T) {
		l := web.NewMemoryRateLimits()
		if _, err := l.ReserveEvent(ctx, "k", callsheet.RateLimit{Window: time.Minute}); callsheet.ErrorCode(err) != callsheet.EINVALID {
			t.Fatalf("err %v", err)
		}
	})
}
