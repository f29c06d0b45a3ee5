package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
)

// runBackup writes a consistent copy of a SQLite database, safe to take
// while the server runs and imports write.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, lang := newFlags(ctx, "backup", stderr)
	dsn := fs.String("db", defaultDB(), say(lang, "SQLite file (PostgreSQL is backed up with pg_dump)"))
	to := fs.String("to", "", say(lang, "the file to write the copy to"))
	force := fs.Bool("force", false, say(lang, "replace the file if it exists"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return callsheet.Errorf(callsheet.EINVALID, "--to is required: the file to write the backup to.")
	}
	start := time.Now()
	info, err := sqldb.BackupSQLite(ctx, *dsn, *to, *force)
	if err != nil {
		return err
	}
	sayln(stdout, lang, "Backed up %s to %s in %.1f s; integrity check ok.", *dsn, info.Path, time.Since(start).Seconds())
	describeCopy(stdout, lang, info)
	return nil
}

// runRestore puts a backup in place of a SQLite database that no server is
// using, keeping the database it replaces.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, lang := newFlags(ctx, "restore", stderr)
	dsn := fs.String("db", defaultDB(), say(lang, "SQLite file to restore into (PostgreSQL is restored with pg_restore)"))
	from := fs.String("from", "", say(lang, "the backup to restore"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return callsheet.Errorf(callsheet.EINVALID, "--from is required: the backup file to restore.")
	}
	info, err := sqldb.RestoreSQLite(ctx, *from, *dsn, time.Now())
	if err != nil {
		return err
	}
	sayln(stdout, lang, "Restored %s from %s; integrity check ok.", info.Path, *from)
	describeCopy(stdout, lang, &info.BackupInfo)
	if info.Previous != "" {
		sayln(stdout, lang, "The database it replaced is kept as %s.", info.Previous)
	}
	return nil
}

// describeCopy prints what a copy holds, for the operator to check.
func describeCopy(w io.Writer, lang string, info *sqldb.BackupInfo) {
	lines := []struct {
		label, value string
	}{
		// The numbers as they are, without separators, for the operator
		// to compare with the database's own counts.
		{say(lang, "size:"), fmt.Sprintf("%.1f MB ", float64(info.Size)/1e6) + say(lang, "(%s bytes)", fmt.Sprint(info.Size))},
		{say(lang, "schema:"), info.Schema},
		{say(lang, "accounts:"), fmt.Sprint(info.Accounts)},
		{say(lang, "campaigns:"), fmt.Sprint(info.Campaigns)},
		{say(lang, "customers:"), fmt.Sprint(info.Customers)},
		{say(lang, "imports:"), fmt.Sprint(info.Imports)},
	}
	width := 0
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(l.label))
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %s %s%s\n", l.label, strings.Repeat(" ", width-utf8.RuneCountInString(l.label)), l.value)
	}
}
