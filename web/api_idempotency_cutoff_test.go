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
// key, gets its request run, not a stored "the request ended early": the
// first try was cut off and wrote nothing. The fault test found this.
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
	// The server sees the client go and fails the add it had begun.
	failed := func() int {
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM import_jobs WHERE state = 'failed'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); failed() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the cut-off add did not fail within 10 s")
		}
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}

	// The retry may come while the server still forgets the key (409).
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
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "" || !got.Applied || got.Counts.Added != 1 {
		t.Fatalf("the retry: %d, replayed %q, %+v", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), got)
	}
	if n := len(e.customers(e.camp.ID)); n != 1 {
		t.Fatalf("%d customers after the retry, want 1", n)
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
