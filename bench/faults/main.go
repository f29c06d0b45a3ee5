// Command faults is Callsheet's fault test, in the spirit of Jepsen: it
// starts several app servers on one PostgreSQL database, loads them with
// file imports, single and batch adds (with idempotency keys and retries),
// UI reads and undos for a fixed time, kills a random server with SIGKILL
// and restarts it every few seconds, then checks what the store holds
// against what the clients were told.
//
//	go run ./bench/faults -duration 60s
//
// Everything runs on loopback, in a database of its own that is dropped at
// the end, and within a hard time limit. It exits with status 1 when an
// invariant is violated or when too little of the load succeeded for the
// checks to mean anything. See README.md beside this file.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// config holds the command line.
type config struct {
	duration   time.Duration
	servers    int
	pg         string
	seed       int64
	bin        string
	phones     int
	killEvery  time.Duration
	keep       bool
	settleWait time.Duration
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout))
}

func run(args []string, stdout io.Writer) (code int) {
	var cfg config
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	fs.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long the load and the faults run")
	fs.IntVar(&cfg.servers, "servers", 3, "app servers on the one database")
	fs.StringVar(&cfg.pg, "pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"a PostgreSQL database to connect to; the test creates a database of its own beside it and drops it at the end")
	fs.Int64Var(&cfg.seed, "seed", 0, "random seed of the load and the faults (0: from the clock)")
	fs.StringVar(&cfg.bin, "bin", "", "a callsheet binary to test (default: go build ./cmd/callsheet)")
	fs.IntVar(&cfg.phones, "phones", 10000, "size of the phone pool the load draws from (smaller: more collisions)")
	fs.DurationVar(&cfg.killEvery, "kill-every", 6*time.Second, "mean time between kills")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the database and the servers' logs")
	fs.DurationVar(&cfg.settleWait, "settle", 60*time.Second, "longest wait, after the load, for every import to finish")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.servers < 2 || cfg.duration <= 0 || cfg.phones < 100 {
		fmt.Fprintln(os.Stderr, "faults: need -servers >= 2, -duration > 0, -phones >= 100")
		return 2
	}
	if cfg.seed == 0 {
		cfg.seed = time.Now().UnixNano()
	}
	logger := log.New(os.Stderr, "faults: ", log.Ltime)

	cl := newCluster(cfg, logger)
	// Every way out ends the servers and drops the database: a return, a
	// panic, a signal, or the hard limit.
	defer cl.cleanup()
	defer func() {
		if r := recover(); r != nil {
			cl.cleanup()
			panic(r)
		}
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		logger.Printf("%v: stopping the servers and dropping the database", s)
		cl.cleanup()
		os.Exit(130)
	}()

	bctx, bcancel := context.WithTimeout(context.Background(), 5*time.Minute)
	err := cl.build(bctx)
	bcancel()
	if err != nil {
		logger.Printf("build: %v", err)
		return 2
	}
	// The hard limit covers the setup, the run, the wait for imports to
	// settle and the checks.
	hard := cfg.duration + 3*time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), hard)
	defer cancel()
	watchdog := time.AfterFunc(hard+15*time.Second, func() {
		logger.Printf("the hard time limit (%v) passed: giving up", hard)
		cl.cleanup()
		os.Exit(3)
	})
	defer watchdog.Stop()

	logger.Printf("seed %d, %d servers, %v of load, a kill every ~%v", cfg.seed, cfg.servers, cfg.duration, cfg.killEvery)
	if err := cl.setup(ctx); err != nil {
		logger.Printf("setup: %v", err)
		return 2
	}
	st := newStats()
	load := newLoad(cl, st, cfg)
	load.run(ctx, cfg.duration)

	logger.Printf("load stopped; restarting every server and waiting for imports to finish")
	if err := cl.startAll(ctx); err != nil {
		logger.Printf("restart: %v", err)
		return 2
	}
	vs := newViolations()
	settled := cl.settle(ctx, cfg.settleWait)
	logger.Printf("imports settled in %v", settled.Round(time.Millisecond))
	if err := check(ctx, cl, load, vs); err != nil {
		printReport(stdout, cfg, cl, st, load, vs)
		logger.Printf("the checks did not finish: %v", err)
		return 2
	}
	printReport(stdout, cfg, cl, st, load, vs)
	if vs.total() > 0 || !st.enough(cl.kills()) {
		if cfg.keep || vs.total() > 0 {
			cl.keepLogs()
		}
		return 1
	}
	return 0
}
