package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
	"github.com/chromedp/chromedp"
)

// browserEnv says whether the browser tests must run: CI sets it to
// "required", and then a missing browser fails rather than skips.
const browserEnv = "CALLSHEET_TEST_BROWSER"

// chromiumPath finds Debian's chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CALLSHEET_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv(browserEnv) == "required" {
		t.Fatalf("%s=required but no chromium was found (apt-get install chromium)", browserEnv)
	}
	t.Skipf("skipping browser tests: install Debian's chromium (apt-get install chromium) or set %s=required", browserEnv)
	return ""
}

// browserApp is a real server on a real database, driven by a real browser.
type browserApp struct {
	t        *testing.T
	db       *sqldb.DB
	url      string
	services web.Services
	stopWork context.CancelFunc
	shots    string
}

func newBrowserApp(t *testing.T) *browserApp {
	t.Helper()
	chromiumPath(t) // skip early, before building anything
	db := storetest.MustOpenDB(t, "sqlite")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.Services(db, logger)
	imp := app.Importer(svc)
	imp.Poll = 50 * time.Millisecond
	srv := web.NewServer(svc, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	a := &browserApp{t: t, db: db, url: ts.URL, services: svc}
	a.startWorkers()
	t.Cleanup(func() { a.stopWorkers() })
	a.shots = os.Getenv("CALLSHEET_TEST_ARTIFACTS")
	if a.shots == "" {
		a.shots = filepath.Join("testdata", "artifacts")
	}
	a.shots = filepath.Join(a.shots, strings.ReplaceAll(t.Name(), "/", "_"))
	os.MkdirAll(a.shots, 0o755)
	return a
}

// startWorkers runs the import workers; stopWorkers stops them, so a test
// can see a job wait in the queue.
func (a *browserApp) startWorkers() {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopWork = cancel
	app.Importer(a.services).Start(ctx)
}

func (a *browserApp) stopWorkers() {
	if a.stopWork != nil {
		a.stopWork()
		a.stopWork = nil
		app.Importer(a.services).Wait()
	}
}

// browser starts a headless chromium with a fresh profile.
func (a *browserApp) browser() context.Context {
	a.t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(a.t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(a.t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// The first run starts the browser; only later runs get a deadline,
	// since a deadline on the first would stop the whole browser.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		a.t.Fatalf("start chromium: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	a.t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return tctx
}

// run runs browser actions and fails the test, with a screenshot, on error.
// Each run has a minute, so that one that hangs leaves the test's browser
// the time to show where it stopped.
func (a *browserApp) run(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	a.t.Helper()
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(rctx, actions...); err != nil {
		a.shot(ctx, "failed-"+what)
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		a.t.Fatalf("%s: %v; the page:\n%s", what, err, page)
	}
}

// shot saves a screenshot of the whole page, as wide as the screen, as a
// test artifact. Chromium's capture beyond the viewport starts off the
// page in right-to-left pages, so the viewport is stretched instead.
func (a *browserApp) shot(ctx context.Context, name string) {
	buf, err := chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		size, err := chromedp.Evaluate[[]int64](`[window.innerWidth, window.innerHeight, document.documentElement.scrollHeight]`)(ctx, t)
		if err != nil || len(size) != 3 {
			return nil, fmt.Errorf("page size: %v", err)
		}
		// The screen is made as tall as the page for the picture, and then
		// put back.
		if _, err := chromedp.EmulateViewport(size[0], max(size[1], size[2]))(ctx, t); err != nil {
			return nil, err
		}
		defer chromedp.EmulateViewport(size[0], size[1])(ctx, t)
		return chromedp.CaptureScreenshot()(ctx, t)
	}))
	if err != nil {
		a.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(a.shots, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		a.t.Logf("screenshot %s: %v", name, err)
	}
}

// login logs a user in through the form.
func (a *browserApp) login(ctx context.Context, login, password string) {
	a.t.Helper()
	a.run(ctx, "login",
		chromedp.Navigate(a.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#login`)),
		chromedp.SendKeys(chromedp.CSS(`#login`), login),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`.who`)),
	)
}

// holdAfterFirstStep makes the imports that follow write in steps of n
// rows (SQLite), and holds the first of them after its first step until
// release is called (or the test ends), so that a test sees an import's
// page while it writes. Call it while the workers are stopped: starting
// them orders these writes before the workers read them.
func (a *browserApp) holdAfterFirstStep(n int) (release func()) {
	a.db.ImportStepRows = n
	store := app.Of(a.services).ImportStore
	tell := store.Stepped
	held := make(chan struct{})
	var first, released sync.Once
	store.Stepped = func(jobID int64, rows int) {
		tell(jobID, rows)
		first.Do(func() { <-held })
	}
	release = func() { released.Do(func() { close(held) }) }
	a.t.Cleanup(release)
	return release
}

// writingRows waits for an import's page to say it is writing, in the
// words of want (a text with one %s, the rows written so far), and returns
// the rows it says.
func (a *browserApp) writingRows(ctx context.Context, want string) int {
	a.t.Helper()
	prefix, _, _ := strings.Cut(want, "%s")
	a.waitText(ctx, `#progress-text`, prefix)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#progress-text`)))
	if err != nil {
		a.t.Fatal(err)
	}
	text = strings.TrimSpace(text)
	number := regexp.MustCompile(`[0-9][0-9,]*`).FindString(text)
	n, err := strconv.Atoi(strings.ReplaceAll(number, ",", ""))
	if err != nil || text != fmt.Sprintf(want, number) {
		a.t.Fatalf("the progress reads %q, want %q with the rows written", text, want)
	}
	return n
}
