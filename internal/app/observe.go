package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/web"
)

// Observe connects a server's /readyz and /metrics to the database and
// to the import engine of services made by New or Services (see
// App.Observe). It panics for services assembled otherwise.
func Observe(srv *web.Server, db *sqldb.DB, s web.Services, logger *slog.Logger) {
	a := mustOf(s)
	a.DB = db
	a.Observe(srv, logger)
}

// Observe connects a server's /readyz and /metrics to the App's database
// and import engine: readiness pings the database; the metrics count the
// engine's imports, their phases and takeovers, the refusals of the rate
// limits, and read the import queue and the connection pool at each
// scrape.
func (a *App) Observe(srv *web.Server, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	m := srv.Metrics()
	srv.Ready = a.DB.SQL().PingContext
	srv.OnRateLimit = m.RateLimited
	m.WatchDB(a.DB.SQL(), a.DB.Engine())

	a.Importer.Finished = m.ImportFinished
	store := a.ImportStore
	store.Timings = m.ImportPhase
	store.Takeover = func(jobID int64, from string, expiredFor time.Duration) {
		m.ImportTakeover()
		logger.Info("import taken over from a worker whose lease ran out", "job", jobID, "from", from, "lease_ended_ago", expiredFor.Round(time.Millisecond))
	}
	m.WatchImportQueue(func(ctx context.Context) (web.ImportQueue, error) {
		st, err := store.ImportQueueStats(callsheet.NewOperatorContext(ctx))
		return web.ImportQueue{Queued: st.Queued, Running: st.Running, OldestQueued: st.OldestQueued}, err
	})
}
