package web

import (
	"sync"
	"time"
)

// RateLimiter allows up to Limit events per key in a sliding Window. It is
// kept in the memory of one server: with several app servers each counts
// its own share, which still bounds guessing.
type RateLimiter struct {
	Limit  int
	Window time.Duration
	Now    func() time.Time

	mu     sync.Mutex
	events map[string][]time.Time
}

// NewRateLimiter returns a limiter of limit events per window.
func NewRateLimiter(limit int, window time.Duration) *RateLimiter {
	return &RateLimiter{Limit: limit, Window: window, Now: time.Now, events: map[string][]time.Time{}}
}

// Allow records an event for key and reports whether it is within the
// limit; when it is not, it also returns how long until it will be.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	cut := now.Add(-l.Window)
	ev := l.events[key]
	i := 0
	for i < len(ev) && !ev[i].After(cut) {
		i++
	}
	ev = ev[i:]
	if len(ev) >= l.Limit {
		l.events[key] = ev
		return false, ev[0].Sub(cut)
	}
	l.events[key] = append(ev, now)
	if len(l.events) > 100000 {
		l.sweep(cut)
	}
	return true, 0
}

// Blocked reports, without recording anything, whether key has used up
// its events, and how long until one is free again.
func (l *RateLimiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := l.Now().Add(-l.Window)
	n := 0
	var oldest time.Time
	for _, t := range l.events[key] {
		if t.After(cut) {
			if n == 0 {
				oldest = t
			}
			n++
		}
	}
	if n >= l.Limit {
		return true, oldest.Sub(cut)
	}
	return false, 0
}

// Record records an event for key without checking the limit.
func (l *RateLimiter) Record(key string) {
	l.mu.Lock()
	l.events[key] = append(l.events[key], l.Now())
	l.mu.Unlock()
}

// Reset forgets a key's events, after a successful login.
func (l *RateLimiter) Reset(key string) {
	l.mu.Lock()
	delete(l.events, key)
	l.mu.Unlock()
}

func (l *RateLimiter) sweep(cut time.Time) {
	for k, ev := range l.events {
		if len(ev) == 0 || !ev[len(ev)-1].After(cut) {
			delete(l.events, k)
		}
	}
}
