// Package app wires Callsheet together: the store's services, the import
// engine over them, and the web server's view of both. The command and the
// end-to-end tests share it, so both run the same assembly.
package app

import (
	"log/slog"
	"sync"
	"weak"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/web"
)

// App is Callsheet assembled over one database: the services the web
// server serves and, typed, the import engine that serves their Imports
// and the store under it, for the callers that start the engine's
// workers, run an import in their own process, or watch the store.
type App struct {
	DB       *sqldb.DB
	Services web.Services
	// Importer is Services.Imports, as the engine it is.
	Importer *importer.Service
	// ImportStore is both halves of the engine's store (its Jobs and its
	// Applier).
	ImportStore *sqldb.ImportStore
}

// New assembles every service over db, with the import engine.
func New(db *sqldb.DB, logger *slog.Logger) *App {
	s := web.Services{
		Accounts:     sqldb.NewAccountService(db),
		Users:        sqldb.NewUserService(db),
		Campaigns:    sqldb.NewCampaignService(db),
		Statuses:     sqldb.NewStatusService(db),
		CustomFields: sqldb.NewCustomFieldService(db),
		Customers:    sqldb.NewCustomerService(db),
		DoNotCall:    sqldb.NewDoNotCallService(db),
		Tokens:       sqldb.NewAPITokenService(db),
		Sessions:     sqldb.NewSessionService(db),
		Audit:        sqldb.NewAuditService(db),
		Idempotency:  sqldb.NewIdempotencyService(db),
		Mappings:     sqldb.NewMappingService(db),
		RateLimits:   rateLimits(db),
	}
	store := sqldb.NewImportStore(db)
	imp := importer.NewService(store, store, logger)
	// The store tells the engine of the steps it writes, for the progress
	// pages. A weak reference: the store outlives an engine nobody uses
	// (remember below), and must not keep it alive.
	engine := weak.Make(imp)
	store.Stepped = func(jobID int64, rows int) {
		if e := engine.Value(); e != nil {
			e.Stepped(jobID, rows)
		}
	}
	imp.Accounts, imp.Users, imp.CustomFields, imp.Customers, imp.Statuses = s.Accounts, s.Users, s.CustomFields, s.Customers, s.Statuses
	s.Imports = imp
	a := &App{DB: db, Services: s, Importer: imp, ImportStore: store}
	remember(a)
	return a
}

// Services returns every service over db, with the import engine: New's
// services, for callers that need nothing else. Of finds the rest again.
func Services(db *sqldb.DB, logger *slog.Logger) web.Services { return New(db, logger).Services }

// Importer returns the import engine of services made by New or Services.
// It panics for services assembled otherwise.
func Importer(s web.Services) *importer.Service { return mustOf(s).Importer }

// rateLimits returns where the limits of logins and API requests are
// counted. Several app servers share one PostgreSQL, so they count there,
// together. On SQLite one process serves, and it counts in its memory:
// that keeps a write per API request off SQLite's single writer, which a
// running import holds for long stretches.
func rateLimits(db *sqldb.DB) callsheet.RateLimitService {
	if db.Engine() == "postgres" {
		return sqldb.NewRateLimitService(db)
	}
	return web.NewMemoryRateLimits()
}

// assembled is what New made, so that Of finds an App again from its
// services alone, by their Imports. It holds each engine weakly: an
// App's entry goes once nothing uses its engine any more.
var assembled struct {
	sync.Mutex
	apps []assembledApp
}

type assembledApp struct {
	engine weak.Pointer[importer.Service]
	db     *sqldb.DB
	store  *sqldb.ImportStore
}

// remember records an App for Of.
func remember(a *App) {
	assembled.Lock()
	defer assembled.Unlock()
	forgetUnused()
	assembled.apps = append(assembled.apps, assembledApp{engine: weak.Make(a.Importer), db: a.DB, store: a.ImportStore})
}

// forgetUnused drops the entries whose engine is gone. The caller holds
// the lock.
func forgetUnused() {
	kept := assembled.apps[:0]
	for _, e := range assembled.apps {
		if e.engine.Value() != nil {
			kept = append(kept, e)
		}
	}
	clear(assembled.apps[len(kept):])
	assembled.apps = kept
}

// Of returns the App whose services s are, found by their Imports, or
// nil when New did not make them.
func Of(s web.Services) *App {
	if s.Imports == nil {
		return nil
	}
	assembled.Lock()
	defer assembled.Unlock()
	for _, e := range assembled.apps {
		// The comparison is of interface values: equal only when
		// s.Imports holds this very engine.
		if imp := e.engine.Value(); imp != nil && s.Imports == callsheet.ImportService(imp) {
			return &App{DB: e.db, Services: s, Importer: imp, ImportStore: e.store}
		}
	}
	return nil
}

// mustOf is Of for services that New must have made.
func mustOf(s web.Services) *App {
	a := Of(s)
	if a == nil {
		panic("app: the services were not made by app.New or app.Services")
	}
	return a
}
