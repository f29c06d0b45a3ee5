package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestIdempotentRequestCutOffByClient: a client that gives up on a request
// (its timeout) while the server is still at it, and retries with the same
// key, gets the answer of the first try, which ran to its end: not "the
// request ended early" kept for a day, nor a second run of a request whose
// commit it could not see. The fault test found both.
func TestIdempotentRequestCutOffByClient(t *testing.T) {
	db := storetest.MustOpenDB(t, "postgres")
	e := newAPIEnvOn(t, db, false)
	ctx := context.Background()

	// Hold every write to customers, so that the add waits inside the
	// server until the client gives up.
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	defer conn.ExecContext(ctx, `ROLLBACK`) // if the test stops early
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `LOCK TABLE customers IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	body := `{"campaign_id": ` + jsonInt(e.camp.ID) + `, "customers": [{"name": "Noa", "phone": "052-623-4567"}]}`
	send := func(timeout time.Duration) (*http.Response, error) {
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/customers/batch", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "cut-off-1")
		return (&http.Client{Timeout: timeout}).Do(req)
	}
	if resp, err := send(300 * time.Millisecond); err == nil {
		resp.Body.Close()
		t.Fatalf("the add answered %d while customers were locked", resp.StatusCode)
	}
	// The client has gone; the server goes on once customers are free.
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}

	// The retry waits (409) while the first try runs, then gets its answer.
	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err = send(30 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusConflict || time.Now().After(deadline) {
			break
		}
		resp.Body.Close()
	}
	defer resp.Body.Close()
	var got struct {
		Applied bool `json:"applied"`
		Counts  struct {
			Added int `json:"added"`
		} `json:"counts"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "true" || !got.Applied || got.Counts.Added != 1 {
		t.Fatalf("the retry: %d, replayed %q, %+v", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), got)
	}
	var jobs, customers int
	if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM import_jobs), (SELECT count(*) FROM customers)`).Scan(&jobs, &customers); err != nil {
		t.Fatal(err)
	}
	if jobs != 1 || customers != 1 {
		t.Fatalf("%d imports and %d customers after the retry, want 1 and 1", jobs, customers)
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
