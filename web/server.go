// Package web serves Callsheet over HTTP: the server-rendered UI for admins
// and agents, and the JSON API. Templates and assets are embedded.
package web

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/callsheet/callsheet"
)

//go:embed templates static
var assets embed.FS

// Services are the domain services the server calls. The command wires
// them to a store.
type Services struct {
	Accounts     callsheet.AccountService
	Users        callsheet.UserService
	Campaigns    callsheet.CampaignService
	Statuses     callsheet.StatusService
	CustomFields callsheet.CustomFieldService
	Customers    callsheet.CustomerService
	DoNotCall    callsheet.DoNotCallService
	Tokens       callsheet.APITokenService
	Sessions     callsheet.SessionService
	Audit        callsheet.AuditService
	Imports      callsheet.ImportService
	Idempotency  callsheet.IdempotencyService
	// Mappings remembers the import mappings admins chose; the wizard
	// offers them again for files with the same columns.
	Mappings callsheet.MappingService
	// RateLimits counts failed logins and API requests; NewServer counts
	// in its own memory when it is nil.
	RateLimits callsheet.RateLimitService
}

// Server is Callsheet's HTTP server.
type Server struct {
	Services
	Logger *slog.Logger

	// Addr is the address to listen on, such as 127.0.0.1:8080.
	Addr string

	// LoginLimit limits failed logins per login name; LoginIPLimit limits
	// them per client address, higher, since an office shares one address.
	LoginLimit   callsheet.RateLimit
	LoginIPLimit callsheet.RateLimit

	// OnRateLimit, when set, is called each time a request is refused for
	// a rate limit, with the limit's kind (RateLimitLogin, RateLimitLoginIP,
	// RateLimitAPI), so that metrics can count refusals.
	OnRateLimit func(kind string)

	// MetricsToken, when set, is the bearer token /metrics asks for; when
	// empty, /metrics is open to whoever can reach the server.
	MetricsToken string
	// Ready, when set, checks what the server needs to serve (the
	// database) for /readyz.
	Ready func(context.Context) error

	metrics *Metrics

	api   *apiState
	mux   *routeMux
	tmpl  map[string]*templates // by language
	http  *http.Server
	ln    net.Listener
	start time.Time
}

// NewServer returns a server over the services.
func NewServer(s Services, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	srv := &Server{
		Services:     s,
		Logger:       logger,
		LoginLimit:   DefaultLoginLimit,
		LoginIPLimit: DefaultLoginIPLimit,
		mux:          newRouteMux(),
		tmpl:         mustParseTemplates(),
		api:          newAPIState(),
		start:        time.Now(),
	}
	if srv.RateLimits == nil {
		srv.RateLimits = NewMemoryRateLimits()
	}
	srv.metrics = newMetrics(srv)
	srv.routes()
	return srv
}

// Handler returns the server's handler with its middleware.
func (s *Server) Handler() http.Handler {
	return s.recoverPanics(s.securityHeaders(s.logRequests(s.measure(s.boundQuery(s.mux)))))
}

// Open starts listening and serving in the background.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// URL returns the base URL the server listens on.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops the server gracefully, letting requests in flight finish
// within the context's deadline.
func (s *Server) Close(ctx context.Context) error {
	if s.http == nil {
		return nil
	}
	return s.http.Shutdown(ctx)
}

func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", http.FileServerFS(assets))
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	m.HandleFunc("GET /readyz", s.handleReady)
	m.HandleFunc("GET /metrics", s.handleMetrics)

	m.HandleFunc("GET /login", s.handleLoginForm)
	m.HandleFunc("POST /login", s.ui(s.handleLogin))
	m.HandleFunc("POST /logout", s.user(s.handleLogout))
	m.HandleFunc("GET /{$}", s.user(s.handleHome))
	m.HandleFunc("GET /me", s.user(s.handleMe))
	m.HandleFunc("POST /me", s.user(s.handleMeSave))

	m.HandleFunc("GET /campaigns", s.user(s.handleCampaigns))
	m.HandleFunc("POST /campaigns", s.admin(s.handleCampaignCreate))
	m.HandleFunc("GET /campaigns/{id}", s.user(s.handleCampaign))
	m.HandleFunc("GET /campaigns/{id}/edit", s.admin(s.handleCampaignEdit))
	m.HandleFunc("POST /campaigns/{id}/edit", s.admin(s.handleCampaignSave))

	m.HandleFunc("GET /campaigns/{id}/import", s.admin(s.handleImportForm))
	m.HandleFunc("POST /campaigns/{id}/import", s.admin(s.handleImportUpload))
	m.HandleFunc("GET /campaigns/{id}/export.csv", s.admin(s.handleCampaignExport))
	m.HandleFunc("GET /campaigns/{id}/adds", s.admin(s.handleCampaignAdds))
	m.HandleFunc("GET /campaigns/{id}/customers/new", s.user(s.handleAddCustomerForm))
	m.HandleFunc("POST /campaigns/{id}/customers/new", s.user(s.handleAddCustomer))
	m.HandleFunc("GET /imports/{id}", s.admin(s.handleImportJob))
	m.HandleFunc("GET /imports/{id}/mapping", s.admin(s.handleMapping))
	m.HandleFunc("POST /imports/{id}/mapping", s.admin(s.handleMappingSave))
	m.HandleFunc("POST /imports/{id}/run", s.admin(s.handleImportRun))
	m.HandleFunc("POST /imports/{id}/back", s.admin(s.handleImportBack))
	m.HandleFunc("POST /imports/{id}/cancel", s.admin(s.handleImportCancel))
	m.HandleFunc("POST /imports/{id}/undo", s.admin(s.handleImportUndo))
	m.HandleFunc("GET /imports/{id}/progress", s.admin(s.handleImportProgress))
	m.HandleFunc("GET /imports/{id}/problems.csv", s.admin(s.handleImportProblemsCSV))
	m.HandleFunc("GET /work", s.user(s.handleWork))

	m.HandleFunc("GET /customers/{id}", s.user(s.handleCustomer))
	m.HandleFunc("POST /customers/{id}", s.user(s.handleCustomerSave))
	m.HandleFunc("POST /customers/{id}/allow-contact", s.admin(s.handleAllowContact))

	m.HandleFunc("GET /admin/users", s.admin(s.handleUsers))
	m.HandleFunc("POST /admin/users", s.admin(s.handleUserCreate))
	m.HandleFunc("GET /admin/users/{id}", s.admin(s.handleUserEdit))
	m.HandleFunc("POST /admin/users/{id}", s.admin(s.handleUserSave))

	m.HandleFunc("GET /admin/statuses", s.admin(s.handleStatuses))
	m.HandleFunc("POST /admin/statuses", s.admin(s.handleStatusCreate))
	m.HandleFunc("GET /admin/statuses/{id}", s.admin(s.handleStatusEdit))
	m.HandleFunc("POST /admin/statuses/{id}", s.admin(s.handleStatusSave))

	m.HandleFunc("GET /admin/fields", s.admin(s.handleFields))
	m.HandleFunc("POST /admin/fields", s.admin(s.handleFieldCreate))
	m.HandleFunc("POST /admin/fields/{id}", s.admin(s.handleFieldSave))
	m.HandleFunc("POST /admin/fields/{id}/delete", s.admin(s.handleFieldDelete))

	m.HandleFunc("GET /admin/tokens", s.admin(s.handleTokens))
	m.HandleFunc("POST /admin/tokens", s.admin(s.handleTokenCreate))
	m.HandleFunc("POST /admin/tokens/{id}/revoke", s.admin(s.handleTokenRevoke))

	m.HandleFunc("GET /admin/settings", s.admin(s.handleSettings))
	m.HandleFunc("POST /admin/settings", s.admin(s.handleSettingsSave))

	m.HandleFunc("GET /admin/audit", s.admin(s.handleAudit))
	m.HandleFunc("GET /admin/dnc", s.admin(s.handleDoNotCall))
	m.HandleFunc("POST /admin/dnc", s.admin(s.handleDoNotCallAdd))
	m.HandleFunc("POST /admin/dnc/remove", s.admin(s.handleDoNotCallRemove))

	s.apiRoutes()

	m.HandleFunc("/", s.handleNotFound)
}
