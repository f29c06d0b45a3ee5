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
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/web"
)

// usageLines are the commands the usage lists, each with what it does
// (a catalogue key) or nothing.
var usageLines = []struct{ syntax, what string }{
	{"callsheet serve    [--db PATH|URL] [--addr 127.0.0.1:8080]   ", "run the server"},
	{"callsheet demo     [--db PATH|URL]                           ", "create two demo accounts to look around, one in Hebrew and one in English"},
	{"callsheet migrate  [--db PATH|URL]                           ", "apply database migrations and exit"},
	{"callsheet backup   --to FILE [--force] [--db PATH]           ", "copy a SQLite database, even while it runs"},
	{"callsheet restore  --from FILE [--db PATH]                   ", "put a backup back (the server stopped)"},
	{"callsheet import   --account A --campaign C --file F ...     ", "import a customer file"},
	{"callsheet export   --account A --campaign C [--format csv|jsonl]", ""},
	{"callsheet account  create|list  ...", ""},
	{"callsheet user     create|list  ...", ""},
	{"callsheet campaign create|list  ...", ""},
	{"callsheet status   create|list  ...", ""},
	{"callsheet token    create       ...", ""},
	{"callsheet dnc      add|remove|list --account A ...           ", "the do-not-call register"},
	{"callsheet customer allow-contact --account A --id N ...      ", "let a blocked customer be called again"},
}

// printUsage writes the command line's usage in lang.
func printUsage(w io.Writer, lang string) {
	var b strings.Builder
	b.WriteString(say(lang, "Callsheet: a call-centre CRM for getting customers into campaigns.") + "\n\n")
	b.WriteString(say(lang, "Usage:") + "\n")
	for _, l := range usageLines {
		b.WriteString("  " + l.syntax)
		if l.what != "" {
			b.WriteString(say(lang, l.what))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + say(lang, "Every command takes --db: a SQLite file (default ./callsheet.db, or\n$CALLSHEET_DB) or a postgres:// URL, and --lang: en or he (default: from\nLC_ALL, LC_MESSAGES or LANG). Run \"callsheet COMMAND -h\" for its flags.") + "\n")
	io.WriteString(w, b.String())
}

// signalContext ends when the process is asked to stop.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func main() {
	ctx, stop := signalContext()
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain runs a command line as the process does: an error is printed
// to stderr in the command line's language, and the exit status returned
// (0, or 1 after an error).
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "callsheet:", describeIn(cliLang(args), err))
	return 1
}

// run dispatches a command line; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	lang, args, err := splitLang(args)
	if err != nil {
		return err
	}
	if lang == "" {
		lang = envLang()
	}
	ctx = withLang(ctx, lang)
	if len(args) == 0 {
		printUsage(stderr, lang)
		return callsheet.Errorf(callsheet.EINVALID, "no command given")
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
		printUsage(stdout, lang)
		return nil
	}
	printUsage(stderr, lang)
	return callsheet.Errorf(callsheet.EINVALID, "unknown command %q", cmd)
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
	fs, lang := newFlags(ctx, "migrate", stderr)
	dsn := dbFlag(fs, lang)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	sayln(stdout, lang, "%s database is up to date.", db.Engine())
	return nil
}

// startCPUProfile writes a CPU profile to path (none if path is empty)
// until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
