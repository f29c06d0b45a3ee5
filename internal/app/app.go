// Package app wires Callsheet together: the store's services, the import
// engine over them, and the web server's view of both. The command and the
// end-to-end tests share it, so both run the same assembly.
package app

import (
	"log/slog"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/web"
)

// Services returns every service over db, with the import engine.
func Services(db *sqldb.DB, logger *slog.Logger) web.Services {
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
	imp := importer.NewService(sqldb.NewImportStore(db), logger)
	imp.Accounts, imp.Users, imp.CustomFields, imp.Customers, imp.Statuses = s.Accounts, s.Users, s.CustomFields, s.Customers, s.Statuses
	s.Imports = imp
	return s
}

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

// Importer returns the import engine of services made by Services.
func Importer(s web.Services) *importer.Service { return s.Imports.(*importer.Service) }
