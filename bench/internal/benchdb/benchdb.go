// Package benchdb holds what the benchmarks that run the built binary
// against a seeded database share: a database made afresh, the engine's
// name, and the binary serving it.
package benchdb

import (
	"context"
	"database/sql"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/callsheet/callsheet/sqldb"
)

// Fresh makes the database of dsn afresh (a PostgreSQL database dropped
// and created again, a SQLite file removed), opens it and migrates it.
// Failures end the benchmark.
func Fresh(ctx context.Context, dsn string) *sqldb.DB {
	if sqldb.IsPostgresDSN(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			log.Fatal(err)
		}
		name := strings.TrimPrefix(u.Path, "/")
		admin := *u
		admin.Path = "/postgres"
		adb, err := sql.Open("pgx", admin.String())
		if err != nil {
			log.Fatal(err)
		}
		adb.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		if _, err := adb.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			log.Fatal(err)
		}
		adb.Close()
	} else {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(dsn + suffix)
		}
	}
	db := sqldb.NewDB(dsn)
	if err := db.Open(ctx); err != nil {
		log.Fatal(err)
	}
	return db
}

// Engine names the engine of dsn, for the figures.
func Engine(dsn string) string {
	if sqldb.IsPostgresDSN(dsn) {
		return "PostgreSQL"
	}
	return "SQLite"
}

// Serve starts the binary on the database at a free port of loopback,
// with the extra arguments, its output to out, and waits until it
// answers. It returns the server's address and what stops it.
func Serve(bin, dsn string, out io.Writer, args ...string) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--db", dsn, "--addr", addr}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 300 {
			log.Fatal("the server did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base, func() { cmd.Process.Kill(); cmd.Wait() }
}
