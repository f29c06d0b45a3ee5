package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
)

// TestMain lets the crash test run this test binary as the callsheet
// command, in a process it can kill.
// The tests speak English whatever the machine's locale, as the command
// does under LC_ALL=C; the tests of languages set their own.
func TestMain(m *testing.M) {
	if args := os.Getenv("CALLSHEET_TEST_COMMAND"); args != "" {
		ctx, stop := signalContext()
		code := runMain(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Setenv("LC_ALL", "C")
	os.Exit(m.Run())
}

// startCommand runs the callsheet command in a child process.
func startCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CALLSHEET_TEST_COMMAND="+strings.Join(args, "\x1f"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// writeLeads writes a CSV of n customers with valid Israeli mobiles, the
// first `from` of them numbered from start.
func writeLeads(t *testing.T, path string, n, start int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "Name,Phone,Notes")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "Lead %d,052-%07d,row %d\n", start+i, 2000000+start+i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestImportSurvivesCrash kills the server in the middle of an import,
// while it reads the file and while it writes its steps: the data is as it
// was before the import (once the next start has taken back what the
// steps wrote), and after a restart the job runs again from the start and
// completes, without doubling anything.
func TestImportSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	t.Run("reading", func(t *testing.T) { crashImport(t, false) })
	t.Run("writing", func(t *testing.T) { crashImport(t, true) })
}

func crashImport(t *testing.T, writing bool) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "cs.db")
	runOK(t, "account", "create", "--db", dbPath, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	runOK(t, "campaign", "create", "--db", dbPath, "--account", "Acme", "--name", "Old")
	runOK(t, "campaign", "create", "--db", dbPath, "--account", "Acme", "--name", "Target")
	old := filepath.Join(dir, "old.csv")
	writeLeads(t, old, 20000, 0)
	runOK(t, "import", "--db", dbPath, "--account", "Acme", "--campaign", "Old", "--file", old)
	exportBefore := runOK(t, "export", "--db", dbPath, "--account", "Acme", "--campaign", "Old") +
		runOK(t, "export", "--db", dbPath, "--account", "Acme", "--campaign", "Target")

	// Queue a large import that moves 20,000 customers from Old.
	upload := filepath.Join(dir, "upload.csv")
	writeLeads(t, upload, 300000, 0)
	db := sqldb.NewDB(dbPath)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := app.Services(db, nil)
	ctx := callsheet.NewContextWithActor(context.Background(), &callsheet.Actor{AccountID: 1, Role: callsheet.RoleAdmin, Name: "test"})
	camps, _, err := svc.Campaigns.FindCampaigns(ctx, callsheet.CampaignFilter{Name: ptr("Target")})
	if err != nil || len(camps) != 1 {
		t.Fatal(camps, err)
	}
	fh, err := os.Open(upload)
	if err != nil {
		t.Fatal(err)
	}
	job := &callsheet.ImportJob{CampaignID: camps[0].ID, FileName: "upload.csv", Mapping: map[string]string{"name": "Name", "phone": "Phone", "note": "Notes"},
		Options: callsheet.ImportOptions{Unique: callsheet.UniqueMove}, State: callsheet.ImportQueued}
	if err := svc.Imports.CreateImport(ctx, job, fh); err != nil {
		t.Fatal(err)
	}
	fh.Close()

	state := func() callsheet.ImportState {
		j, err := svc.Imports.FindImport(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		return j.State
	}
	waitFor := func(want callsheet.ImportState, limit time.Duration) bool {
		for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if state() == want {
				return true
			}
		}
		return false
	}

	// The server runs the import; its API tells how far it has read, which
	// only the running process knows (SQLite's writer is the import's).
	token := strings.TrimSpace(lastLine(runOK(t, "token", "create", "--db", dbPath, "--account", "Acme", "--name", "crash")))
	// Using the token once now notes its use, which SQLite would otherwise
	// write on the first request, behind the import's writer.
	if _, err := svc.Tokens.AuthenticateAPIToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	server := startCommand(t, "serve", "--db", dbPath, "--addr", addr)
	progress := func() float64 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/imports/"+strconv.FormatInt(job.ID, 10), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0 // not listening yet
		}
		defer resp.Body.Close()
		var j struct {
			State    string  `json:"state"`
			Progress float64 `json:"progress"`
		}
		if json.NewDecoder(resp.Body).Decode(&j) != nil || j.State != string(callsheet.ImportRunning) {
			return 0
		}
		return j.Progress
	}
	// Well into reading and staging: a fifth of the file read. Or well
	// into writing: a tenth of the rows written, which the database shows.
	written := func() int {
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM customers WHERE campaign_id = ?`, camps[0].ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	reached := false
	// Polled within the API's rate limit of 600 requests a minute.
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(150 * time.Millisecond) {
		if !writing && progress() >= 0.2 || writing && written() >= 30000 {
			reached = true
			break
		}
	}
	if !reached {
		server.Process.Kill()
		t.Fatalf("the import never got a fifth of the way (writing %v): %s, %d written", writing, state(), written())
	}
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	server.Wait()
	if s := state(); s != callsheet.ImportRunning {
		t.Fatalf("the import was not cut off: it is %s (make the file larger)", s)
	}
	if writing {
		// Part of it is written; the next start takes it back first, as
		// here, before the job runs again.
		if n := written(); n < 30000 || n >= 300000 {
			t.Fatalf("the crash left %d customers in Target: want part of the import", n)
		}
		n, err := sqldb.NewImportStore(db).RequeueOrphanedImports(callsheet.NewOperatorContext(context.Background()))
		if err != nil || n != 1 {
			t.Fatalf("requeue: %d jobs, %v", n, err)
		}
	}
	exportAfterCrash := runOK(t, "export", "--db", dbPath, "--account", "Acme", "--campaign", "Old") +
		runOK(t, "export", "--db", dbPath, "--account", "Acme", "--campaign", "Target")
	if exportAfterCrash != exportBefore {
		t.Fatal("the data is not as before the import")
	}

	server = startCommand(t, "serve", "--db", dbPath, "--addr", "127.0.0.1:0")
	ok := waitFor(callsheet.ImportDone, 3*time.Minute)
	server.Process.Signal(syscall.SIGTERM)
	server.Wait()
	if !ok {
		t.Fatalf("the import did not complete after the restart: %s", state())
	}
	j, err := svc.Imports.FindImport(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Attempts != 2 || j.Counts.Total != 300000 || j.Counts.Moved != 20000 || j.Counts.Added != 280000 {
		t.Fatalf("job after restart: attempts %d, counts %+v", j.Attempts, j.Counts)
	}
	_, n, err := svc.Customers.FindCustomers(ctx, callsheet.CustomerFilter{CampaignID: &camps[0].ID, Limit: 1})
	if err != nil || n != 300000 {
		t.Fatalf("target holds %d customers (%v), want 300000", n, err)
	}
	_, n, _ = svc.Customers.FindCustomers(ctx, callsheet.CustomerFilter{Limit: 1})
	if n != 300000 {
		t.Fatalf("the account holds %d customers, want 300000 (the moved ones once)", n)
	}
}

func ptr[T any](v T) *T { return &v }

// lastLine returns the last line of a command's output.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
