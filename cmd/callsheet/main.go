// Command callsheet is Callsheet in one binary: the server, the demo, the
// importer and exporter, and the operator's tools for accounts, users,
// campaigns, statuses and tokens.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/web"
)

const usage = `Callsheet: a call-centre CRM for getting customers into campaigns.

Usage:
  callsheet serve    [--db PATH|URL] [--addr 127.0.0.1:8080]   run the server
  callsheet demo     [--db PATH|URL]                           create a demo account to look around
  callsheet migrate  [--db PATH|URL]                           apply database migrations and exit
  callsheet backup   --to FILE [--force] [--db PATH]           copy a SQLite database, even while it runs
  callsheet restore  --from FILE [--db PATH]                   put a backup back (the server stopped)
  callsheet import   --account A --campaign C --file F ...     import a customer file
  callsheet export   --account A --campaign C [--format csv|jsonl]
  callsheet account  create|list  ...
  callsheet user     create|list  ...
  callsheet campaign create|list  ...
  callsheet status   create|list  ...
  callsheet token    create       ...
  callsheet dnc      add|remove|list --account A ...           the do-not-call register
  callsheet customer allow-contact --account A --id N ...      let a blocked customer be called again

Every command takes --db: a SQLite file (default ./callsheet.db, or
$CALLSHEET_DB) or a postgres:// URL. Run "callsheet COMMAND -h" for its flags.
`

// signalContext ends when the process is asked to stop.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func main() {
	ctx, stop := signalContext()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "callsheet:", describe(err))
		os.Exit(1)
	}
}

// describe turns an error into one line for the terminal, with the names
// of the fields a domain error complains about.
func describe(err error) string {
	if f := callsheet.ErrorFields(err); len(f) > 1 {
		s := callsheet.ErrorMessage(err)
		for k, v := range f {
			s += "\n  " + k + ": " + v
		}
		return s
	}
	if callsheet.ErrorCode(err) != callsheet.EINTERNAL {
		return callsheet.ErrorMessage(err)
	}
	return err.Error()
}

// run dispatches a command line; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdout, stderr)
	case "account", "user", "campaign", "status", "token":
		return runAdmin(ctx, cmd, rest, stdout, stderr)
	case "dnc":
		return runDoNotCall(ctx, rest, stdout, stderr)
	case "customer":
		return runCustomer(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// defaultDB is the database when --db is not given.
func defaultDB() string {
	if v := os.Getenv("CALLSHEET_DB"); v != "" {
		return v
	}
	return "callsheet.db"
}

// openAccount opens the database and returns its services and a context
// acting as an admin of the named account, for the operator's commands.
// The caller closes db.
func openAccount(ctx context.Context, dsn, account string) (db *sqldb.DB, svc web.Services, actx context.Context, err error) {
	if db, err = openDB(ctx, dsn); err != nil {
		return nil, svc, nil, err
	}
	svc = services(db)
	if actx, err = accountContext(ctx, svc, account); err != nil {
		db.Close()
		return nil, svc, nil, err
	}
	return db, svc, actx, nil
}

// openDB opens and migrates the database.
func openDB(ctx context.Context, dsn string) (*sqldb.DB, error) {
	db := sqldb.NewDB(dsn)
	if err := db.Open(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// servicesT is the set of services the commands use.
type servicesT = web.Services

// services wires every domain service to the store.
func services(db *sqldb.DB) web.Services { return app.Services(db, nil) }

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", defaultDB(), "SQLite file or postgres:// URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "%s database is up to date.\n", db.Engine())
	return nil
}
