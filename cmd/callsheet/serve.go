package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/web"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, lang := newFlags(ctx, "serve", stderr)
	dsn := fs.String("db", defaultDB(), say(lang, "SQLite file or postgres:// URL (env CALLSHEET_DB)"))
	addr := fs.String("addr", envOr("CALLSHEET_ADDR", "127.0.0.1:8080"), say(lang, "address to listen on (env CALLSHEET_ADDR)"))
	country := fs.String("country", "IL", say(lang, "country of the first account, on a first start"))
	tz := fs.String("timezone", "Asia/Jerusalem", say(lang, "time zone of the first account, on a first start"))
	keepDays := fs.Int("keep-files-days", envInt("CALLSHEET_KEEP_FILES_DAYS", 30), say(lang, "days to keep the files of finished imports, for their reports; 0 keeps them (env CALLSHEET_KEEP_FILES_DAYS)"))
	workers := fs.Int("import-workers", envInt("CALLSHEET_IMPORT_WORKERS", 1), say(lang, "imports this server runs at once (env CALLSHEET_IMPORT_WORKERS)"))
	apiRate := fs.Int("api-rate", envInt("CALLSHEET_API_RATE", web.DefaultAPILimits.RequestsPerMinute), say(lang, "API requests per minute per token (env CALLSHEET_API_RATE)"))
	maxUploadMB := fs.Int("max-upload-mb", envInt("CALLSHEET_MAX_UPLOAD_MB", int(web.DefaultAPILimits.MaxUpload>>20)), say(lang, "largest customer file, in MB (env CALLSHEET_MAX_UPLOAD_MB)"))
	lease := fs.Duration("import-lease", envDuration("CALLSHEET_IMPORT_LEASE", importer.DefaultLease), say(lang, "how long a server holds an import job between renewals; on PostgreSQL another server takes over a dead one's job after it (env CALLSHEET_IMPORT_LEASE)"))
	metricsToken := fs.String("metrics-token", os.Getenv("CALLSHEET_METRICS_TOKEN"), say(lang, "bearer token that /metrics asks for; empty leaves /metrics open (env CALLSHEET_METRICS_TOKEN)"))
	logJSON := fs.Bool("log-json", os.Getenv("CALLSHEET_LOG_JSON") != "", say(lang, "log JSON lines instead of text (env CALLSHEET_LOG_JSON)"))
	cpuProfile := fs.String("cpuprofile", "", say(lang, "write a CPU profile of the server, from start to stop, to this file"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	if *lease < time.Second {
		return callsheet.Errorf(callsheet.EINVALID, "--import-lease must be at least 1s; got %v", *lease)
	}
	var logger *slog.Logger
	if *logJSON {
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}

	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	a := app.New(db, logger)
	svc, imp := a.Services, a.Importer
	imp.Workers = *workers
	imp.KeepFiles = time.Duration(*keepDays) * 24 * time.Hour
	imp.Lease = *lease

	first, err := firstStart(ctx, svc, *country, *tz)
	if err != nil {
		return err
	}

	srv := web.NewServer(svc, logger)
	srv.Addr = *addr
	srv.MetricsToken = *metricsToken
	a.Observe(srv, logger)
	srv.SetAPILimits(web.APILimits{RequestsPerMinute: *apiRate, MaxUpload: int64(*maxUploadMB) << 20})
	if err := srv.Open(); err != nil {
		return err
	}
	// Imports stop with the server; one cut off runs again at the next start.
	imp.Start(ctx)
	logger.Info("callsheet started", "url", srv.URL(), "db", db.Engine())
	sayln(stdout, lang, "Callsheet is running at %s (%s database)", srv.URL(), db.Engine())
	if first != nil {
		fmt.Fprint(stdout, "\n"+say(lang, "First start: created account %q and its admin.\n  Log in at %s/login\n  login:    %s\n  password: %s\nThe password is shown only this once; change it under My account.",
			first.account, srv.URL(), first.login, first.password)+"\n\n")
	}

	<-ctx.Done()
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Close(sctx)
	// An import cut off by the stop is rolled back and handed over before
	// the database closes.
	imp.Wait()
	return err
}

// envDuration reads a duration such as 10s from the environment.
func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= 0 {
		return v
	}
	return def
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

type firstLogin struct{ account, login, password string }

// firstStart creates one account and its admin when the database has no
// account yet, and returns the login to print.
func firstStart(ctx context.Context, svc web.Services, country, tz string) (*firstLogin, error) {
	op := callsheet.NewOperatorContext(ctx)
	_, n, err := svc.Accounts.FindAccounts(op, callsheet.AccountFilter{Limit: 1})
	if err != nil || n > 0 {
		return nil, err
	}
	acc := &callsheet.Account{Name: "Callsheet", Country: country, TimeZone: tz}
	if err := svc.Accounts.CreateAccount(op, acc); err != nil {
		return nil, err
	}
	password := randomPassword()
	admin := &callsheet.User{Name: "Admin", Login: "admin", Role: callsheet.RoleAdmin}
	if err := svc.Users.CreateUser(systemActor(ctx, acc.ID), admin, password); err != nil {
		return nil, err
	}
	return &firstLogin{account: acc.Name, login: admin.Login, password: password}, nil
}

// systemActor acts as an admin of the account on the operator's behalf.
func systemActor(ctx context.Context, accountID int64) context.Context {
	return callsheet.NewContextWithActor(ctx, &callsheet.Actor{AccountID: accountID, Role: callsheet.RoleAdmin, Name: "operator"})
}

func randomPassword() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
