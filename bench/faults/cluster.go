package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
)

// account is the name of the one account the test loads.
const account = "Faults"

// campaign is one campaign of the test. Move campaigns receive only
// imports and adds with unique=move, the others never move anything.
type campaign struct {
	ID   int64
	Name string
	Move bool
}

// server is one callsheet serve process, restarted on the same port.
type server struct {
	id   int
	addr string // 127.0.0.1:port
	dir  string // its working and temporary directory, and its log

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	up     atomic.Bool // started, healthy, and not being killed
}

// cluster is the database, the servers, and what the setup created.
type cluster struct {
	cfg    config
	logger *log.Logger

	bin      string
	dir      string
	dbName   string
	dbURL    string
	adminDB  *sql.DB // the maintenance connection that creates and drops the database
	extraArg []string

	campaigns []campaign
	tokens    map[string]string // kind of load to API token
	tokenIDs  map[string]int64
	password  string // the admin's, for the UI

	mu       sync.Mutex
	closed   bool
	servers  []*server
	nKills   atomic.Int64
	nStarts  atomic.Int64
	once     sync.Once
	keepDir  bool
	cleanErr error
}

func newCluster(cfg config, logger *log.Logger) *cluster {
	return &cluster{cfg: cfg, logger: logger, tokens: map[string]string{}, tokenIDs: map[string]int64{}}
}

// tokenKinds are the kinds of load, each with a token of its own, so that
// the store tells whose import jobs and idempotency keys are whose.
var tokenKinds = []string{"file", "single", "batch", "undo", "read"}

// build builds the binary to test, unless -bin gave one.
func (c *cluster) build(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "callsheet-faults-")
	if err != nil {
		return err
	}
	c.dir = dir
	if c.cfg.bin != "" {
		// Absolute: the servers run in directories of their own.
		c.bin, err = filepath.Abs(c.cfg.bin)
		return err
	}
	c.bin = filepath.Join(dir, "callsheet")
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", c.bin, "./cmd/callsheet")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// setup creates the database and its account, campaigns, tokens and
// admin, and starts the servers.
func (c *cluster) setup(ctx context.Context) error {
	if err := c.createDB(ctx); err != nil {
		return err
	}
	if _, err := c.cli(ctx, "migrate"); err != nil {
		return err
	}
	if _, err := c.cli(ctx, "account", "create", "--name", account, "--country", "IL", "--timezone", "Asia/Jerusalem"); err != nil {
		return err
	}
	for _, cp := range []campaign{{Name: "Move 1", Move: true}, {Name: "Move 2", Move: true}, {Name: "Move 3", Move: true},
		{Name: "Any 1"}, {Name: "Any 2"}} {
		out, err := c.cli(ctx, "campaign", "create", "--account", account, "--name", cp.Name, "--json")
		if err != nil {
			return err
		}
		var v struct{ ID int64 }
		if err := json.Unmarshal(out, &v); err != nil || v.ID == 0 {
			return fmt.Errorf("campaign create printed %q", out)
		}
		cp.ID = v.ID
		c.campaigns = append(c.campaigns, cp)
	}
	for _, kind := range tokenKinds {
		out, err := c.cli(ctx, "token", "create", "--account", account, "--name", "faults "+kind, "--json")
		if err != nil {
			return err
		}
		var v struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		if err := json.Unmarshal(out, &v); err != nil || v.Token == "" {
			return fmt.Errorf("token create printed %q", out)
		}
		c.tokens[kind], c.tokenIDs[kind] = v.Token, v.ID
	}
	c.password = randomHex(12)
	if _, err := c.cli(ctx, "user", "create", "--account", account, "--name", "Fault Admin", "--login", "faults-admin",
		"--role", "admin", "--password", c.password); err != nil {
		return err
	}
	// Shorter import leases make a dead server's job run elsewhere sooner,
	// where the binary has the flag.
	if help, _ := exec.CommandContext(ctx, c.bin, "serve", "-h").CombinedOutput(); bytes.Contains(help, []byte("-import-lease")) {
		c.extraArg = append(c.extraArg, "--import-lease", "5s")
	}
	for i := 0; i < c.cfg.servers; i++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		s := &server{id: i + 1, addr: "127.0.0.1:" + strconv.Itoa(port), dir: filepath.Join(c.dir, fmt.Sprintf("server%d", i+1))}
		if err := os.MkdirAll(s.dir, 0o755); err != nil {
			return err
		}
		c.servers = append(c.servers, s)
	}
	return c.startAll(ctx)
}

// moduleRoot finds the directory of go.mod from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from the repository, or give -bin")
		}
		dir = parent
	}
}

// createDB creates a database of the test's own beside the one of -pg.
func (c *cluster) createDB(ctx context.Context) error {
	u, err := url.Parse(c.cfg.pg)
	if err != nil {
		return fmt.Errorf("-pg: %v", err)
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		return fmt.Errorf("-pg must be on loopback, not %q", h)
	}
	c.adminDB, err = sql.Open("pgx", c.cfg.pg)
	if err != nil {
		return err
	}
	c.dbName = "callsheet_faults_" + randomHex(6)
	if _, err := c.adminDB.ExecContext(ctx, "CREATE DATABASE "+c.dbName); err != nil {
		return fmt.Errorf("create database (is PostgreSQL running at %s?): %v", u.Host, err)
	}
	u.Path = "/" + c.dbName
	c.dbURL = u.String()
	return nil
}

// cli runs a callsheet command on the test's database and returns its
// standard output.
func (c *cluster) cli(ctx context.Context, args ...string) ([]byte, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// --db follows the command and its verb: callsheet campaign create --db ...
	full, rest := []string{args[0]}, args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		full, rest = append(full, rest[0]), rest[1:]
	}
	full = append(append(full, "--db", c.dbURL), rest...)
	cmd := exec.CommandContext(cctx, c.bin, full...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("callsheet %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// startAll starts every server that is not running and waits until each
// answers.
func (c *cluster) startAll(ctx context.Context) error {
	for _, s := range c.servers {
		if !s.up.Load() {
			if err := c.start(ctx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// start starts a server and waits for /healthz.
func (c *cluster) start(ctx context.Context, s *server) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("the test is stopping")
	}
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		c.mu.Unlock()
		return nil
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		c.mu.Unlock()
		return err
	}
	args := append([]string{"serve", "--db", c.dbURL, "--addr", s.addr, "--api-rate", "1000000",
		"--import-workers", "2", "--keep-files-days", "0"}, c.extraArg...)
	cmd := exec.Command(c.bin, args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "TMPDIR="+s.dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.mu.Unlock()
		c.mu.Unlock()
		return err
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	c.nStarts.Add(1)
	s.mu.Unlock()
	c.mu.Unlock()
	go func() {
		cmd.Wait()
		logf.Close()
		s.up.Store(false)
		s.mu.Lock()
		if s.cmd == cmd {
			s.cmd = nil
		}
		s.mu.Unlock()
		close(exited)
	}()

	deadline := time.Now().Add(30 * time.Second)
	hc := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-exited:
			return fmt.Errorf("server %d exited at start (see %s)", s.id, filepath.Join(s.dir, "server.log"))
		default:
		}
		if resp, err := hc.Get("http://" + s.addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.up.Store(true)
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("server %d did not answer /healthz within 30 s", s.id)
}

// kill ends a server with SIGKILL, as a crash would, and waits for it.
// fault says whether it counts as a fault (or is the test's own stop).
func (c *cluster) kill(s *server, fault bool) bool {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.up.Store(false)
	s.mu.Unlock()
	if cmd == nil {
		return false
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		return false
	}
	<-exited
	if fault {
		c.nKills.Add(1)
	}
	return true
}

// live returns the servers that are up.
func (c *cluster) live() []*server {
	var out []*server
	for _, s := range c.servers {
		if s.up.Load() {
			out = append(out, s)
		}
	}
	return out
}

func (c *cluster) kills() int64 { return c.nKills.Load() }

// restarts counts starts after the first of each server.
func (c *cluster) restarts() int64 { return c.nStarts.Load() - int64(len(c.servers)) }

// settle waits, up to limit, until no import job of the database is
// queued, running or a draft, and returns how long it took.
func (c *cluster) settle(ctx context.Context, limit time.Duration) time.Duration {
	db, err := sql.Open("pgx", c.dbURL)
	if err != nil {
		return 0
	}
	defer db.Close()
	start := time.Now()
	for time.Since(start) < limit && ctx.Err() == nil {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM import_jobs WHERE state NOT IN ('done', 'failed', 'cancelled', 'undone')`).Scan(&n); err == nil && n == 0 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	return time.Since(start)
}

// keepLogs keeps the servers' logs after the test, to read what happened.
func (c *cluster) keepLogs() {
	c.mu.Lock()
	c.keepDir = true
	c.mu.Unlock()
}

// cleanup ends every server and drops the database (unless -keep). It is
// safe to call more than once and from any goroutine.
func (c *cluster) cleanup() {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		for _, s := range c.servers {
			c.kill(s, false)
		}
		if c.adminDB != nil && c.dbName != "" {
			if c.cfg.keep {
				c.logger.Printf("kept the database: %s", c.dbURL)
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if _, err := c.adminDB.ExecContext(ctx, "DROP DATABASE IF EXISTS "+c.dbName+" WITH (FORCE)"); err != nil {
					c.logger.Printf("drop database %s: %v", c.dbName, err)
				}
				cancel()
			}
			c.adminDB.Close()
		}
		if c.dir != "" {
			c.mu.Lock()
			keep := c.keepDir || c.cfg.keep
			c.mu.Unlock()
			if keep {
				c.logger.Printf("kept the servers' logs in %s", c.dir)
			} else {
				os.RemoveAll(c.dir)
			}
		}
	})
}

// freePort asks the kernel for a free port on loopback.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
