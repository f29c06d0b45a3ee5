package storetest_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

func TestIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIdempotencyService(db)
		f := storetest.NewFixture(t, db, "idem")
		other := storetest.NewFixture(t, db, "other")
		asToken := func(accountID, tokenID int64) context.Context {
			return callsheet.NewContextWithActor(context.Background(), &callsheet.Actor{AccountID: accountID, TokenID: tokenID, Role: callsheet.RoleAdmin, Name: "token"})
		}
		tok1, tok2 := asToken(f.Account.ID, 1), asToken(f.Account.ID, 2)
		start := time.Now()
		clock := start
		db.Now = func() time.Time { return clock }
		t.Cleanup(func() { db.Now = time.Now })

		t.Run("first use runs, a retry while running conflicts, then replays", func(t *testing.T) {
			got, err := s.BeginRequest(tok1, "k1", "fp-a")
			must(t, err)
			if got != nil {
				t.Fatalf("first use replayed %+v", got)
			}
			_, err = s.BeginRequest(tok1, "k1", "fp-a")
			wantCode(t, err, callsheet.ECONFLICT)
			_, err = s.BeginRequest(tok1, "k1", "fp-b")
			wantCode(t, err, callsheet.EINVALID)
			want := &callsheet.StoredResponse{Status: 201, Header: map[string]string{"Content-Type": "application/json", "Location": "/x/1"}, Body: []byte(`{"id":1}`)}
			must(t, s.FinishRequest(tok1, "k1", want))
			for i := 0; i < 2; i++ {
				got, err = s.BeginRequest(tok1, "k1", "fp-a")
				must(t, err)
				if got == nil || got.Status != want.Status || fmt.Sprint(got.Header) != fmt.Sprint(want.Header) || !bytes.Equal(got.Body, want.Body) {
					t.Fatalf("replay %d: %+v", i, got)
				}
			}
			_, err = s.BeginRequest(tok1, "k1", "fp-b")
			wantCode(t, err, callsheet.EINVALID)
			wantCode(t, s.FinishRequest(tok1, "k1", want), callsheet.ENOTFOUND)
		})
		t.Run("keys are per token and per account", func(t *testing.T) {
			for _, ctx := range []context.Context{tok2, asToken(other.Account.ID, 1), f.AdminCtx} {
				got, err := s.BeginRequest(ctx, "k1", "fp-other")
				must(t, err)
				if got != nil {
					t.Fatalf("another scope replayed %+v", got)
				}
			}
		})
		t.Run("an abandoned key runs again", func(t *testing.T) {
			_, err := s.BeginRequest(tok1, "k2", "fp")
			must(t, err)
			must(t, s.AbandonRequest(tok1, "k2"))
			got, err := s.BeginRequest(tok1, "k2", "fp")
			must(t, err)
			if got != nil {
				t.Fatalf("abandoned key replayed %+v", got)
			}
		})
		t.Run("an empty answer is kept", func(t *testing.T) {
			_, err := s.BeginRequest(tok1, "k3", "fp")
			must(t, err)
			must(t, s.FinishRequest(tok1, "k3", &callsheet.StoredResponse{Status: 204}))
			got, err := s.BeginRequest(tok1, "k3", "fp")
			must(t, err)
			if got == nil || got.Status != 204 || len(got.Body) != 0 {
				t.Fatalf("replay %+v", got)
			}
		})
		t.Run("a claim left running past its lease is taken over", func(t *testing.T) {
			_, err := s.BeginRequest(tok1, "k4", "fp")
			must(t, err)
			clock = start.Add(callsheet.IdempotencyLease - time.Second)
			_, err = s.BeginRequest(tok1, "k4", "fp")
			wantCode(t, err, callsheet.ECONFLICT)
			clock = start.Add(callsheet.IdempotencyLease + time.Second)
			got, err := s.BeginRequest(tok1, "k4", "fp")
			must(t, err)
			if got != nil {
				t.Fatalf("stale claim replayed %+v", got)
			}
			_, err = s.BeginRequest(tok1, "k4", "fp")
			wantCode(t, err, callsheet.ECONFLICT)
		})
		t.Run("keys expire after a day and are swept", func(t *testing.T) {
			count := func() int {
				var n int
				must(t, db.SQL().QueryRow(`SELECT count(*) FROM idempotency_keys`).Scan(&n))
				return n
			}
			before := count()
			if before == 0 {
				t.Fatal("no keys stored")
			}
			clock = start.Add(callsheet.IdempotencyTTL + callsheet.IdempotencyLease/2)
			got, err := s.BeginRequest(tok1, "k1", "fp-new")
			must(t, err)
			if got != nil {
				t.Fatalf("expired key replayed %+v", got)
			}
			// Every key but k4 (claimed again after the lease) and the one
			// just claimed is more than a day old.
			if n := count(); n != 2 {
				t.Fatalf("%d keys left after the sweep, want 2", n)
			}
			clock = clock.Add(2 * callsheet.IdempotencyTTL)
			n, err := s.SweepIdempotencyKeys(context.Background())
			must(t, err)
			if n != 2 || count() != 0 {
				t.Fatalf("swept %d, %d left", n, count())
			}
		})
		t.Run("of simultaneous first uses, exactly one runs", func(t *testing.T) {
			const n = 8
			results := make(chan error, n)
			for i := 0; i < n; i++ {
				go func() {
					got, err := s.BeginRequest(tok2, "race", "fp")
					if err == nil && got != nil {
						err = callsheet.Errorf(callsheet.EINTERNAL, "replayed an unfinished request")
					}
					results <- err
				}()
			}
			ran := 0
			for i := 0; i < n; i++ {
				err := <-results
				switch callsheet.ErrorCode(err) {
				case "":
					ran++
				case callsheet.ECONFLICT:
				default:
					t.Fatal(err)
				}
			}
			if ran != 1 {
				t.Fatalf("%d of %d simultaneous requests ran", ran, n)
			}
		})
		t.Run("bad keys and anonymous callers", func(t *testing.T) {
			_, err := s.BeginRequest(tok1, "", "fp")
			wantCode(t, err, callsheet.EINVALID)
			_, err = s.BeginRequest(tok1, string(bytes.Repeat([]byte("k"), callsheet.MaxIdempotencyKeyLength+1)), "fp")
			wantCode(t, err, callsheet.EINVALID)
			_, err = s.BeginRequest(context.Background(), "k", "fp")
			wantCode(t, err, callsheet.EUNAUTHORIZED)
		})
	})
}
