package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Operation kinds, in the order the report lists them.
const (
	opFile   = "file import"
	opSingle = "single add"
	opBatch  = "batch add"
	opReplay = "idempotent replay"
	opUndo   = "undo"
	opUI     = "ui read"
	opRead   = "api read"
)

var opKinds = []string{opFile, opSingle, opBatch, opReplay, opUndo, opUI, opRead}

// opStats counts one kind of operation. ok: answered as hoped; failed:
// answered otherwise; retried: attempts beyond the first (a dead server,
// a 5xx, a key still pending); unresolved: given up without an answer.
type opStats struct {
	ok, failed, retried, unresolved int
	examples                        []string
}

// stats counts the operations of every kind.
type stats struct {
	mu  sync.Mutex
	ops map[string]*opStats
}

func newStats() *stats {
	s := &stats{ops: map[string]*opStats{}}
	for _, k := range opKinds {
		s.ops[k] = &opStats{}
	}
	return s
}

func (s *stats) add(kind string, f func(o *opStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.ops[kind])
}

func (s *stats) ok(kind string, retries int) {
	s.add(kind, func(o *opStats) { o.ok++; o.retried += retries })
}

func (s *stats) failed(kind string, retries int, why string) {
	s.add(kind, func(o *opStats) {
		o.failed++
		o.retried += retries
		if len(o.examples) < 3 {
			o.examples = append(o.examples, why)
		}
	})
}

func (s *stats) unresolved(kind string, retries int) {
	s.add(kind, func(o *opStats) { o.unresolved++; o.retried += retries })
}

// enough reports whether every kind of operation succeeded at least once
// and at least one fault was injected, so that a pass means something.
func (s *stats) enough(kills int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range opKinds {
		if s.ops[k].ok == 0 {
			return false
		}
	}
	return kills > 0
}

// request is one API call, sent again as it is until it is answered.
type request struct {
	kind        string // for errors
	method      string
	path        string
	token       string // the API token, or "" for the UI client's cookies
	key         string // Idempotency-Key, or ""
	contentType string
	body        []byte
	// firstTimeout, when set, is the first attempt's timeout: short, so
	// that the client gives up while the server goes on, and retries.
	firstTimeout time.Duration
}

// answer is the response a request finally got.
type answer struct {
	status   int
	body     []byte
	header   http.Header
	replayed bool
	retries  int
}

// errUnresolved says a request got no answer within its time.
var errUnresolved = errors.New("no answer")

// opTimeout bounds the attempts at one request, and pendingLimit the
// time it waits for a key another attempt holds.
const (
	opTimeout    = 45 * time.Second
	pendingLimit = 10 * time.Second
)

// sender sends requests to a random live server, again on another when
// one dies under it.
type sender struct {
	cl      *cluster
	http    *http.Client
	loadEnd time.Time // no new attempts past loadEnd plus a grace
}

// send sends r until it gets an answer that is not a dead connection, a
// server error, a rate limit or a key still pending, or gives up.
func (s *sender) send(ctx context.Context, rng *rand.Rand, r request) (*answer, error) {
	start := time.Now()
	deadline := start.Add(opTimeout)
	if end := s.loadEnd.Add(20 * time.Second); end.Before(deadline) {
		deadline = end
	}
	retries := 0
	// A key left pending by a killed server stays so for
	// callsheet.IdempotencyLease (10 minutes): past pendingLimit of 409s
	// the client gives the request up, as unresolved.
	var pendingSince time.Time
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			retries++
			pause := time.Duration(50+rng.IntN(200)) * time.Millisecond
			if !pendingSince.IsZero() {
				pause = time.Duration(300+rng.IntN(300)) * time.Millisecond
			}
			if time.Now().Add(pause).After(deadline) || ctx.Err() != nil || !pendingSince.IsZero() && time.Since(pendingSince) > pendingLimit {
				return &answer{retries: retries}, errUnresolved
			}
			time.Sleep(pause)
		}
		live := s.cl.live()
		if len(live) == 0 {
			continue
		}
		srv := live[rng.IntN(len(live))]
		timeout := 30 * time.Second
		if attempt == 0 && r.firstTimeout > 0 {
			timeout = r.firstTimeout
		}
		a, err := s.once(ctx, srv, r, timeout)
		if err != nil {
			continue // a dead server, a cut connection, a client timeout
		}
		a.retries = retries
		switch {
		case a.status >= 500:
			continue
		case a.status == http.StatusTooManyRequests:
			time.Sleep(time.Second)
			continue
		case a.status == http.StatusConflict && bytes.Contains(a.body, []byte("still being processed")):
			if pendingSince.IsZero() {
				pendingSince = time.Now()
			}
			continue
		}
		return a, nil
	}
}

func (s *sender) once(ctx context.Context, srv *server, r request, timeout time.Duration) (*answer, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, "http://"+srv.addr+r.path, body)
	if err != nil {
		return nil, err
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	return &answer{status: resp.StatusCode, body: b, header: resp.Header, replayed: resp.Header.Get("Idempotent-Replayed") == "true"}, nil
}

// errorMessage reads the message of an API error answer.
func errorMessage(a *answer) string {
	var e struct {
		Error struct{ Code, Message string }
	}
	if json.Unmarshal(a.body, &e) == nil && e.Error.Message != "" {
		return fmt.Sprintf("%d %s: %s", a.status, e.Error.Code, e.Error.Message)
	}
	b := a.body
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Sprintf("%d: %s", a.status, strings.TrimSpace(string(b)))
}

// phone is the pool's phone k: its E.164 form, and one of the ways people
// write it, so that the same phone comes in written differently.
func phone(k int, rng *rand.Rand) (e164, written string) {
	n := 2000000 + k
	e164 = "+97252" + strconv.Itoa(n)
	switch rng.IntN(4) {
	case 0:
		written = fmt.Sprintf("052-%07d", n)
	case 1:
		written = fmt.Sprintf("052%07d", n)
	case 2:
		written = e164
	default:
		s := strconv.Itoa(n)
		written = "052-" + s[:3] + "-" + s[3:]
	}
	return e164, written
}

// badPhone is a number the numbering plan refuses (052-1...).
func badPhone(rng *rand.Rand) string { return fmt.Sprintf("052-1%06d", rng.IntN(1000000)) }

// keyed collects the answers given to each idempotency key, to check that
// every answer to one key is the same.
type keyed struct {
	mu      sync.Mutex
	first   map[string]*answer
	answers int
	differ  []string
}

func newKeyed() *keyed { return &keyed{first: map[string]*answer{}} }

// record notes an answer to key and reports whether it equals the first.
func (k *keyed) record(key string, a *answer) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.answers++
	f, ok := k.first[key]
	if !ok {
		k.first[key] = a
		return true
	}
	if f.status != a.status || !bytes.Equal(f.body, a.body) {
		k.differ = append(k.differ, fmt.Sprintf("key %s: first %d %.120s, then %d %.120s", key, f.status, f.body, a.status, a.body))
		return false
	}
	return true
}

// keys returns the keys answered, sorted.
func (k *keyed) keys() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]string, 0, len(k.first))
	for key := range k.first {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}
