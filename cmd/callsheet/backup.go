package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
)

// runBackup writes a consistent copy of a SQLite database, safe to take
// while the server runs and imports write.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", defaultDB(), "SQLite file (PostgreSQL is backed up with pg_dump)")
	to := fs.String("to", "", "the file to write the copy to")
	force := fs.Bool("force", false, "replace the file if it exists")
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
	fmt.Fprintf(stdout, "Backed up %s to %s in %.1f s; integrity check ok.\n", *dsn, info.Path, time.Since(start).Seconds())
	describeCopy(stdout, info)
	return nil
}

// runRestore puts a backup in place of a SQLite database that no server is
// using, keeping the database it replaces.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", defaultDB(), "SQLite file to restore into (PostgreSQL is restored with pg_restore)")
	from := fs.String("from", "", "the backup to restore")
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
	fmt.Fprintf(stdout, "Restored %s from %s; integrity check ok.\n", info.Path, *from)
	describeCopy(stdout, &info.BackupInfo)
	if info.Previous != "" {
		fmt.Fprintf(stdout, "The database it replaced is kept as %s.\n", info.Previous)
	}
	return nil
}

// describeCopy prints what a copy holds, for the operator to check.
func describeCopy(w io.Writer, info *sqldb.BackupInfo) {
	fmt.Fprintf(w, "  size:      %.1f MB (%d bytes)\n", float64(info.Size)/1e6, info.Size)
	fmt.Fprintf(w, "  schema:    %s\n", info.Schema)
	fmt.Fprintf(w, "  accounts:  %d\n  campaigns: %d\n  customers: %d\n  imports:   %d\n", info.Accounts, info.Campaigns, info.Customers, info.Imports)
}
