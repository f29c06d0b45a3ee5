package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/callsheet/callsheet"
)

// The limits of failed logins a server starts with: per login name, and
// per client address, higher, since an office shares one address.
var (
	DefaultLoginLimit   = callsheet.RateLimit{Events: 10, Window: 5 * time.Minute}
	DefaultLoginIPLimit = callsheet.RateLimit{Events: 100, Window: 5 * time.Minute}
)

// The kinds of limit passed to Server.OnRateLimit.
const (
	RateLimitLogin   = "login"    // failed logins of one login name
	RateLimitLoginIP = "login_ip" // failed logins from one client address
	RateLimitAPI     = "api"      // API requests of one token or user
)

// MemoryRateLimits implements callsheet.RateLimitService in the memory of
// one process, keeping the time of each event, so a limit holds over a
// true sliding window. It suits a server that serves alone, as one on
// SQLite does: several servers would each count their own share.
type MemoryRateLimits struct {
	// Now is the clock; tests replace it.
	Now func() time.Time

	mu        sync.Mutex
	events    map[string][]time.Time // oldest first
	maxWindow time.Duration          // the longest window seen, for sweeping
}

// NewMemoryRateLimits returns empty counters.
func NewMemoryRateLimits() *MemoryRateLimits {
	return &MemoryRateLimits{Now: time.Now, events: map[string][]time.Time{}}
}

var _ callsheet.RateLimitService = (*MemoryRateLimits)(nil)

// memorySweepAt is the number of keys past which a reservation drops the
// keys whose events are all too old to count.
const memorySweepAt = 100000

// ReserveEvent implements callsheet.RateLimitService. Checking and
// counting happen under one lock, so parallel reservations cannot all see
// the same last free event.
func (l *MemoryRateLimits) ReserveEvent(_ context.Context, key string, limit callsheet.RateLimit) (*callsheet.RateLimitReservation, error) {
	if limit.Events < 1 || limit.Window <= 0 {
		return nil, callsheet.Errorf(callsheet.EINVALID, "A rate limit allows at least one event in a window longer than zero.")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	cut := now.Add(-limit.Window)
	ev := l.events[key]
	i := 0
	for i < len(ev) && !ev[i].After(cut) {
		i++
	}
	ev = ev[i:]
	if len(ev) >= limit.Events {
		l.events[key] = ev
		// The oldest event that keeps the key full leaves the window
		// first.
		return &callsheet.RateLimitReservation{Key: key, RetryAfter: ev[len(ev)-limit.Events].Sub(cut)}, nil
	}
	l.events[key] = append(ev, now)
	if limit.Window > l.maxWindow {
		l.maxWindow = limit.Window
	}
	if len(l.events) > memorySweepAt {
		l.sweep(now.Add(-l.maxWindow))
	}
	return &callsheet.RateLimitReservation{Key: key, OK: true, At: now}, nil
}

// ReleaseEvent implements callsheet.RateLimitService.
func (l *MemoryRateLimits) ReleaseEvent(_ context.Context, r *callsheet.RateLimitReservation) error {
	if r == nil || !r.OK {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events[r.Key]
	for i := len(ev) - 1; i >= 0; i-- {
		if ev[i].Equal(r.At) {
			l.events[r.Key] = append(ev[:i:i], ev[i+1:]...)
			break
		}
	}
	return nil
}

// ResetEvents implements callsheet.RateLimitService.
func (l *MemoryRateLimits) ResetEvents(_ context.Context, key string) error {
	l.mu.Lock()
	delete(l.events, key)
	l.mu.Unlock()
	return nil
}

func (l *MemoryRateLimits) sweep(cut time.Time) {
	for k, ev := range l.events {
		if len(ev) == 0 || !ev[len(ev)-1].After(cut) {
			delete(l.events, k)
		}
	}
}

// refused tells OnRateLimit that a request was refused for a limit.
func (s *Server) refused(kind string) {
	if s.OnRateLimit != nil {
		s.OnRateLimit(kind)
	}
}

// loginLimitKey is the counter of a login name's failed logins. Names
// are compared without case, as users type them; a long one is hashed,
// so that a key stays short whatever a client sends.
func loginLimitKey(login string) string {
	login = strings.ToLower(login)
	if len(login) > 200 {
		sum := sha256.Sum256([]byte(login))
		return "login#" + hex.EncodeToString(sum[:])
	}
	return "login:" + login
}

// addressLimitKey is the counter of a client address's failed logins.
// An IPv6 client is counted by its /64 network: one subscriber usually
// holds a whole /64 and could otherwise change address at every attempt.
func addressLimitKey(r *http.Request) string {
	ip := clientIP(r)
	if a, err := netip.ParseAddr(ip); err == nil {
		a = a.Unmap()
		if a.Is6() {
			p, _ := a.Prefix(64)
			return "login-ip:" + p.String()
		}
		return "login-ip:" + a.String()
	}
	return "login-ip:" + ip
}
