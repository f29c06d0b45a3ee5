package sqldb

import (
	"context"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

// An import's staging: the temporary tables that hold a file's rows while
// they are classified and applied, and how each engine fills them.

// stageTable is the staging table of an import: the rows as read.
const stageTable = `(
	line         BIGINT PRIMARY KEY,
	phone        TEXT NOT NULL,
	name         TEXT NOT NULL,
	last_name    TEXT NOT NULL,
	email        TEXT NOT NULL,
	source       TEXT NOT NULL,
	note         TEXT NOT NULL,
	external_id  TEXT NOT NULL,
	agent_id     BIGINT,
	follow_up_at BIGINT,
	created_at   BIGINT,
	custom       TEXT NOT NULL
)`

// rowsTable is the staged rows with their outcomes, worked out by
// classification.
var rowsTable = strings.TrimSuffix(stageTable, "\n)") + `,
	outcome          TEXT,
	dup_of           BIGINT,
	existing_id      BIGINT,
	existing_allowed BIGINT,
	dnc_at           BIGINT,
	other_campaign   BOOLEAN NOT NULL DEFAULT FALSE,
	blocked          BOOLEAN NOT NULL DEFAULT FALSE
)`

// othersTable holds the customers of other campaigns that share a phone
// with a staged row, found in one pass and used by the move.
const othersTable = `(
	line        BIGINT NOT NULL,
	customer_id BIGINT NOT NULL,
	PRIMARY KEY (line, customer_id)
)`

// tempTables are the temporary tables of an import, with their columns.
var tempTables = []struct{ name, cols string }{
	{"import_stage", stageTable}, {"import_rows", rowsTable}, {"import_others", othersTable},
}

// sqliteTempTables are a SQLite import's temporary tables: tempTables,
// and the invalid rows of a run written in steps.
var sqliteTempTables = append(tempTables[:len(tempTables):len(tempTables)], struct{ name, cols string }{"import_invalid", invalidTable})

// On SQLite a connection keeps the import's temporary tables from one run
// to the next, emptied (dropTemp), rather than creating and dropping them
// for each run: a table created or dropped changes the connection's
// schema, and every statement the connection had prepared is prepared
// again, which a batch of 1,000 customers paid at each run.
func (sqliteDialect) createStage(ctx context.Context, tx *Tx) error {
	if _, err := tx.exec(ctx, `PRAGMA temp.cache_size = -4096`); err != nil {
		return err
	}
	for _, t := range sqliteTempTables {
		// INTEGER PRIMARY KEY, not BIGINT: only that spelling makes the
		// line the table's rowid instead of an extra index.
		cols := strings.Replace(t.cols, "BIGINT PRIMARY KEY", "INTEGER PRIMARY KEY", 1)
		if t.name == "import_rows" {
			// In the order of the phones (sortStage: the rowid seq is
			// given in that order), which is the order the classification
			// and the steps read them in: a range of phones is a run of
			// pages, not pages all over. 100k rows into an account of
			// 100k, in steps: 8.0-9.3 s with the rows in the file's
			// order, 4.5-4.7 s in the phones'.
			cols = strings.Replace(t.cols, "(\n\tline         BIGINT PRIMARY KEY,", "(\n\tseq          INTEGER PRIMARY KEY,\n\tline         BIGINT NOT NULL,", 1)
		}
		// dropTemp empties the tables after every run (or closes the
		// connection); emptying them here too costs a statement on an
		// empty table, and no run ever reads another's rows.
		for _, q := range []string{`CREATE TEMP TABLE IF NOT EXISTS ` + t.name + ` ` + cols, `DELETE FROM temp.` + t.name} {
			if _, err := tx.exec(ctx, q); err != nil {
				return err
			}
		}
	}
	// The rows are inserted in this index's order, so it is written as
	// they are, at the end of its pages.
	_, err := tx.exec(ctx, `CREATE INDEX IF NOT EXISTS temp.import_rows_phone ON import_rows (phone, line)`)
	return err
}

// sortStage orders the staged rows by phone, and returns the table that
// holds them so: SQLite copies them into import_rows, which is kept in
// that order; PostgreSQL indexes import_stage, which classifyRows copies.
func (sqliteDialect) sortStage(ctx context.Context, tx *Tx) (string, error) {
	for _, q := range []string{
		`INSERT INTO import_rows (` + stageColumns + `) SELECT ` + stageColumns + ` FROM import_stage ORDER BY phone, line`,
		`DELETE FROM import_stage`,
	} {
		if _, err := tx.exec(ctx, q); err != nil {
			return "", err
		}
	}
	return "import_rows", nil
}

func (postgresDialect) sortStage(ctx context.Context, tx *Tx) (string, error) {
	for _, q := range []string{`CREATE INDEX import_stage_phone ON import_stage (phone, line)`, `ANALYZE import_stage`} {
		if _, err := tx.exec(ctx, q); err != nil {
			return "", err
		}
	}
	return "import_stage", nil
}

// The connection keeps the tables; dropTemp empties them once the run
// is over, after its last transaction.
func (sqliteDialect) dropStage(context.Context, *Tx) error { return nil }

func (postgresDialect) createStage(ctx context.Context, tx *Tx) error {
	if err := (postgresDialect{}).beginBulk(ctx, tx); err != nil {
		return err
	}
	for _, t := range tempTables {
		if _, err := tx.exec(ctx, `DROP TABLE IF EXISTS pg_temp.`+t.name); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `CREATE TEMP TABLE `+t.name+` `+t.cols+` ON COMMIT DROP`); err != nil {
			return err
		}
	}
	return nil
}

// The table goes with the commit.
func (postgresDialect) dropStage(context.Context, *Tx) error { return nil }

func (sqliteDialect) newStager(tx *Tx) rowStager { return newValuesStager(tx, "import_stage") }

// PostgreSQL stages with one INSERT ... SELECT FROM unnest of an array per
// column: a few parameters for thousands of rows, instead of twelve a row.
func (postgresDialect) newStager(tx *Tx) rowStager {
	const table = "import_stage"
	return &arrayStager{tx: tx, into: table, q: `INSERT INTO ` + table + ` (` + stageColumns + `) SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[])`}
}

// arrayRows is how many rows one unnest INSERT stages.
const arrayRows = 5000

type arrayStager struct {
	into                                                string
	tx                                                  *Tx
	q                                                   string
	line                                                []int64
	phone, name, last, email, source, note, ext, custom []string
	agent, followUp, created                            []*int64
}

func (a *arrayStager) add(ctx context.Context, row *callsheet.ImportRow) error {
	a.line = append(a.line, int64(row.Line))
	a.phone, a.name, a.last = append(a.phone, row.Phone), append(a.name, row.Name), append(a.last, row.LastName)
	a.email, a.source, a.note = append(a.email, row.Email), append(a.source, row.Source), append(a.note, row.Note)
	a.ext, a.custom = append(a.ext, row.ExternalID), append(a.custom, encodeCustom(row.Custom, false))
	a.agent = append(a.agent, optInt(row.AgentID))
	a.followUp, a.created = append(a.followUp, optMicros(row.FollowUpAt)), append(a.created, optMicros(row.CreatedAt))
	if len(a.line) == arrayRows {
		return a.flush(ctx)
	}
	return nil
}

func (a *arrayStager) flush(ctx context.Context) error {
	if len(a.line) == 0 {
		return nil
	}
	_, err := a.tx.exec(ctx, a.q, a.line, a.phone, a.name, a.last, a.email, a.source, a.note, a.ext, a.agent, a.followUp, a.created, a.custom)
	a.line, a.phone, a.name, a.last, a.email = a.line[:0], a.phone[:0], a.name[:0], a.last[:0], a.email[:0]
	a.source, a.note, a.ext, a.custom = a.source[:0], a.note[:0], a.ext[:0], a.custom[:0]
	a.agent, a.followUp, a.created = a.agent[:0], a.followUp[:0], a.created[:0]
	return err
}

func (a *arrayStager) close() {}

func (a *arrayStager) table() string { return a.into }

func optInt(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func optMicros(t *time.Time) *int64 {
	if t == nil || t.IsZero() {
		return nil
	}
	v := t.UnixMicro()
	return &v
}

// rowStager writes rows to the staging table, a batch at a time.
type rowStager interface {
	// table names the table the rows go to.
	table() string
	add(ctx context.Context, row *callsheet.ImportRow) error
	flush(ctx context.Context) error
	close()
}

// valuesStager stages with multi-row INSERT ... VALUES.
type valuesStager struct {
	name string
	b    *batchInserter
}

func newValuesStager(tx *Tx, table string) rowStager {
	return &valuesStager{table, newBatchInserter(tx, `INSERT INTO `+table+` (`+stageColumns+`) VALUES `, stageWidth, stageBatch)}
}

func (v *valuesStager) table() string { return v.name }

func (v *valuesStager) add(ctx context.Context, row *callsheet.ImportRow) error {
	return v.b.add(ctx, row.Line, row.Phone, row.Name, row.LastName, row.Email, row.Source, row.Note, row.ExternalID,
		nullInt(row.AgentID), nullMicros(row.FollowUpAt), nullMicros(row.CreatedAt), encodeCustom(row.Custom, false))
}

func (v *valuesStager) flush(ctx context.Context) error { return v.b.flush(ctx) }
func (v *valuesStager) close()                          { v.b.close() }
