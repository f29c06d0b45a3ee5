package callsheet

import (
	"context"
	"io"
	"time"
)

// UniqueMode says what to do with a customer whose phone is already in
// another campaign of the account ("Make customers unique").
type UniqueMode string

// Unique modes.
const (
	UniqueAny     UniqueMode = "any"      // add it whatever other campaigns hold
	UniqueMove    UniqueMode = "move"     // delete it from the other campaigns, so it is only here
	UniqueOnlyNew UniqueMode = "only-new" // add it only if no other campaign holds it
)

// Valid reports whether m is a known mode.
func (m UniqueMode) Valid() bool { return m == UniqueAny || m == UniqueMove || m == UniqueOnlyNew }

// AgentsMode says what an import does when a row gives its customer to an
// agent who does not work the import's campaign, and so would never see
// the customer. AgentRules holds what each mode does.
type AgentsMode string

// Agents modes.
const (
	AgentsGrant    AgentsMode = "grant"    // give those agents the campaign (the default)
	AgentsUnassign AgentsMode = "unassign" // leave those customers without the agent
	AgentsRefuse   AgentsMode = "refuse"   // write nothing, naming the agents
)

// Valid reports whether m is a known mode.
func (m AgentsMode) Valid() bool { return m == AgentsGrant || m == AgentsUnassign || m == AgentsRefuse }

// ImportOptions are the options of an upload, as the help article lists
// them, plus what a careful importer needs.
type ImportOptions struct {
	// StatusID is the status of every customer of the upload; zero means
	// the account's initial status.
	StatusID int64 `json:"status_id"`
	// International: numbers carry a country code even without "+".
	International bool `json:"international"`
	// Override updates customers already in the campaign, in the matched
	// fields only. Empty cells never overwrite.
	Override bool `json:"override"`
	// UpdateContactAllowed sets the contact-allowed date of every uploaded
	// customer to now, which unblocks customers blocked as do-not-call.
	UpdateContactAllowed bool `json:"update_contact_allowed"`
	// Reset puts existing customers back to the upload's status and clears
	// their follow-up date.
	Reset bool `json:"reset"`
	// Unique is what to do with customers other campaigns hold.
	Unique UniqueMode `json:"unique"`
	// LoadValid writes the valid rows even when some rows are invalid;
	// otherwise one invalid row means nothing is written.
	LoadValid bool `json:"load_valid"`
	// DryRun computes every outcome and writes nothing.
	DryRun bool `json:"dry_run"`
	// Agents is what to do with agents the rows name who do not work the
	// campaign: grant (the default), unassign or refuse.
	Agents AgentsMode `json:"agents"`
}

// Validate checks the options and fills in defaults.
func (o *ImportOptions) Validate() error {
	if o.Unique == "" {
		o.Unique = UniqueAny
	}
	if o.Agents == "" {
		o.Agents = AgentsGrant
	}
	f := map[string]string{}
	if !o.Unique.Valid() {
		f["unique"] = "Make customers unique must be any, move or only-new."
	}
	if !o.Agents.Valid() {
		f["agents"] = "Agents who do not work the campaign must be grant, unassign or refuse."
	}
	return FieldErrors(f)
}

// ErrImportTakenOver is the end of a run whose job another worker took
// over after this worker's lease ran out: the run wrote nothing, and the
// other worker records how the job ends.
var ErrImportTakenOver = &Error{Code: ECONFLICT, Message: "Another server took this import over; this run wrote nothing."}

// Outcome is what happened to one row of an import. Every row has exactly
// one outcome; being blocked by do-not-call is reported beside it.
type Outcome string

// Outcomes.
const (
	OutcomeAdded                Outcome = "added"                  // new in the campaign
	OutcomeMoved                Outcome = "moved"                  // new here, removed from other campaigns
	OutcomeUpdated              Outcome = "updated"                // already here; fields or contact-allowed date updated (and reset, if asked)
	OutcomeReset                Outcome = "reset"                  // already here; only status reset and follow-up cleared
	OutcomeSkippedExisting      Outcome = "skipped_existing"       // already here, left as it was
	OutcomeSkippedOtherCampaign Outcome = "skipped_other_campaign" // in another campaign, and only new ones were wanted
	OutcomeDuplicate            Outcome = "duplicate_in_file"      // the phone came earlier in the file
	OutcomeInvalid              Outcome = "invalid"                // could not be read; nothing done
)

// ImportCounts sums an import's outcomes. Total is the sum of every
// outcome; Blocked counts, among them, the customers left blocked.
// RemovedElsewhere is not an outcome: it counts the customers of other
// campaigns deleted because their phone is now in this campaign (Move them
// here), whatever the outcome of the row that moved them.
type ImportCounts struct {
	Total                int `json:"total"`
	Added                int `json:"added"`
	Updated              int `json:"updated"`
	Reset                int `json:"reset"`
	Moved                int `json:"moved"`
	SkippedExisting      int `json:"skipped_existing"`
	SkippedOtherCampaign int `json:"skipped_other_campaign"`
	DuplicateInFile      int `json:"duplicate_in_file"`
	Blocked              int `json:"blocked"`
	Invalid              int `json:"invalid"`
	RemovedElsewhere     int `json:"removed_elsewhere"`
}

// Add counts one row's outcome.
func (c *ImportCounts) Add(o Outcome, n int) {
	c.Total += n
	switch o {
	case OutcomeAdded:
		c.Added += n
	case OutcomeMoved:
		c.Moved += n
	case OutcomeUpdated:
		c.Updated += n
	case OutcomeReset:
		c.Reset += n
	case OutcomeSkippedExisting:
		c.SkippedExisting += n
	case OutcomeSkippedOtherCampaign:
		c.SkippedOtherCampaign += n
	case OutcomeDuplicate:
		c.DuplicateInFile += n
	case OutcomeInvalid:
		c.Invalid += n
	}
}

// ImportRow is one normalised row, ready to apply. The importer fills it
// from a file or a request; Problem set means the row is invalid.
type ImportRow struct {
	Line       int // the file's line (or, for the API, the item's index)
	Phone      string
	Name       string
	LastName   string
	Email      string
	Source     string
	Note       string
	ExternalID string
	AgentID    int64
	FollowUpAt *time.Time
	CreatedAt  *time.Time
	Custom     map[int64]string
	Problem    *RowProblem
}

// RowProblem says what is wrong with a row, naming its column. Field,
// Column and Message are of the first cell at fault, with the messages of
// the others appended; Fields has each field's own message.
type RowProblem struct {
	Field   string            `json:"field,omitempty"`  // the system field, or custom_field_<id>
	Column  string            `json:"column,omitempty"` // the column of the file
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Msgs is Message as catalogue messages, one sentence or more for
	// each cell at fault: Message is their English, joined by spaces.
	// The interface shows them in the reader's language. The store keeps
	// Message only.
	Msgs []Message `json:"-"`
}

// RowResult is the outcome of one row.
type RowResult struct {
	Line        int     `json:"line"`
	Outcome     Outcome `json:"outcome"`
	CustomerID  int64   `json:"customer_id,omitempty"`
	Blocked     bool    `json:"blocked,omitempty"`
	DuplicateOf int     `json:"duplicate_of,omitempty"` // the line of the first row with the phone
	Field       string  `json:"field,omitempty"`
	Column      string  `json:"column,omitempty"`
	Message     string  `json:"message,omitempty"`
	// Errors has every field's message, for an invalid row whose result
	// was asked for (the API); stored problems keep the first field only.
	Errors map[string]string `json:"errors,omitempty"`
	// RemovedElsewhere lists the customers of other campaigns the row
	// deletes (Move them here), by customer id; for a dry run or a refused
	// import, those it would have deleted.
	RemovedElsewhere []RemovedCopy `json:"removed_elsewhere,omitempty"`
	// Reason is Message as catalogue messages, for the interface and the
	// report for people to show in the reader's language: the import
	// service fills it when it reads problems (Message is their English,
	// joined by spaces). Empty when the message is not known as keys.
	Reason []Message `json:"-"`
}

// RemovedCopy is a customer of another campaign that an import deletes
// because its phone is now in the import's campaign (Move them here).
type RemovedCopy struct {
	CustomerID   int64  `json:"customer_id"`
	CampaignID   int64  `json:"campaign_id"`
	CampaignName string `json:"campaign_name"` // empty if the campaign has since been deleted
}

// CampaignCount is a number of customers of one campaign.
type CampaignCount struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Customers int    `json:"customers"`
}

// ImportAgent is an agent whom an import's rows give customers although
// the agent does not work the import's campaign, and how many customers
// (new ones, and existing ones whose agent an override changes).
type ImportAgent struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Customers int    `json:"customers"`
}

// ImportState is where a job is in its life.
type ImportState string

// Import job states.
const (
	ImportDraft     ImportState = "draft" // uploaded, being mapped; not run yet
	ImportQueued    ImportState = "queued"
	ImportRunning   ImportState = "running"
	ImportDone      ImportState = "done"      // applied (or, for a dry run or refused file, reported)
	ImportFailed    ImportState = "failed"    // could not be read or applied; nothing written
	ImportCancelled ImportState = "cancelled" // stopped before it was applied; nothing written
	ImportUndone    ImportState = "undone"
)

// Finished reports whether the job will not change any more by itself.
func (s ImportState) Finished() bool {
	return s == ImportDone || s == ImportFailed || s == ImportCancelled || s == ImportUndone
}

// ImportJob is an import: its file, options and mapping, and once it has
// run, its counts. Jobs are persisted, so any server process can run one
// and a restart neither loses nor doubles it.
type ImportJob struct {
	ID         int64  `json:"id"`
	AccountID  int64  `json:"account_id"`
	CampaignID int64  `json:"campaign_id"`
	Source     string `json:"source"` // file, api, cli
	CreatedBy  string `json:"created_by"`
	UserID     int64  `json:"user_id,omitempty"`
	TokenID    int64  `json:"token_id,omitempty"`
	FileName   string `json:"file_name,omitempty"`
	FileSize   int64  `json:"file_size,omitempty"`
	// Worker is the worker that claimed the job for the run at hand, or
	// "" for a job run where it was made. The run's last write, and a
	// worker's record of how it ended, happen only while the job is still
	// that worker's: a worker whose lease ran out and was taken over
	// writes nothing.
	Worker string `json:"-"`
	// Lease, for a job made already running by the worker that runs it
	// (customers added through the API or a form, the command line's
	// import), is how long it is that worker's before it must renew: if
	// the worker's process dies, another worker takes the job over, and
	// ends it or runs it again, rather than leave it running for ever.
	Lease time.Duration `json:"-"`

	Encoding string            `json:"encoding,omitempty"` // "" or auto to detect
	Sheet    string            `json:"sheet,omitempty"`
	Mapping  map[string]string `json:"mapping"` // field -> column; custom fields by label
	Options  ImportOptions     `json:"options"`
	State    ImportState       `json:"state"`
	Error    string            `json:"error,omitempty"`
	// ErrorReason is Error as catalogue messages, for the interface to
	// show in the reader's language: the import service fills it when it
	// finds a job (Error is their English, joined by spaces).
	ErrorReason []Message    `json:"-"`
	Counts      ImportCounts `json:"counts"`
	// Applied is false when the job wrote nothing: a dry run, invalid
	// rows without the load-valid option, or agents refused.
	Applied bool `json:"applied"`
	// Refused says why a finished job that was not applied wrote nothing
	// (for a dry run: why the import would write nothing if it ran); it is
	// empty when the import writes, or would.
	Refused string `json:"refused,omitempty"`
	// UnmatchedColumns are the columns of the file no field of the
	// mapping takes, in the file's order: the columns the import leaves
	// out. The run (or preview) records them from the file's header; nil
	// until then, and for imports without a file.
	UnmatchedColumns []string `json:"unmatched_columns"`
	// AgentsOutside are the agents the rows give customers who do not
	// work the campaign, from the run (or dry run); AgentsGranted those
	// the import gave the campaign (Agents grant, applied).
	AgentsOutside []ImportAgent `json:"agents_outside"`
	AgentsGranted []ImportAgent `json:"agents_granted"`
	// RemovedFrom sums Counts.RemovedElsewhere by the campaign the
	// customers were (or, unapplied, would be) deleted from.
	RemovedFrom []CampaignCount `json:"removed_from"`
	// Single marks one customer given field by field (the API's add, a
	// batch of one, the Add customer form), which the campaign's history
	// sums by source and day (SingleAdds) rather than listing each.
	Single bool `json:"-"`

	RowsRead   int        `json:"rows_read"`
	BytesRead  int64      `json:"bytes_read"`
	Attempts   int        `json:"attempts"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	UndoneAt   *time.Time `json:"undone_at,omitempty"`

	// ReadAll says, while the job runs, that its file has been read to the
	// end: the rows are being checked and written. RowsWritten is, while
	// a large import writes in steps (SQLite), the rows written so far.
	// Both are known to the server running the job only.
	ReadAll     bool `json:"-"`
	RowsWritten int  `json:"-"`
}

// ImportJobUpdate holds what can change in a job before it runs.
type ImportJobUpdate struct {
	Mapping  map[string]string
	Options  *ImportOptions
	Encoding *string
	Sheet    *string
	Queue    bool // queue it to run
}

// ImportJobFilter narrows FindImportJobs.
type ImportJobFilter struct {
	ID         *int64
	CampaignID *int64
	State      *ImportState
	Source     *string
	// Single, when set, finds only single adds (true) or only files and
	// batches (false).
	Single  *bool
	UserID  *int64 // made by this user; a pointer to zero: by none
	TokenID *int64 // made through this API token; a pointer to zero: through none
	// CreatedFrom and CreatedBefore bound when the jobs were made.
	CreatedFrom, CreatedBefore *time.Time
	// CustomerID finds the import that added the customer.
	CustomerID *int64
	Offset     int
	Limit      int
}

// ImportSource gives the rows of an import one at a time.
type ImportSource interface {
	// Next returns the next row, or io.EOF. An invalid row comes back with
	// its Problem set, not as an error; an error stops the import.
	Next() (*ImportRow, error)
}

// ImportResult is what applying an import did. Refused, UnmatchedColumns,
// AgentsOutside, AgentsGranted and RemovedFrom are as on ImportJob.
type ImportResult struct {
	Counts           ImportCounts    `json:"counts"`
	Applied          bool            `json:"applied"`
	Refused          string          `json:"refused,omitempty"`
	UnmatchedColumns []string        `json:"unmatched_columns"`
	AgentsOutside    []ImportAgent   `json:"agents_outside"`
	AgentsGranted    []ImportAgent   `json:"agents_granted"`
	RemovedFrom      []CampaignCount `json:"removed_from"`
	// Rows holds every row's result when the caller asked for them (the
	// API's batches); file jobs keep only the problem rows, in the store.
	Rows []RowResult `json:"rows,omitempty"`
}

// UndoResult is what undoing an import did. Customers someone changed after
// the import are kept as they are and listed.
type UndoResult struct {
	Removed  int     `json:"removed"`  // added customers deleted
	Restored int     `json:"restored"` // overwritten customers put back
	Returned int     `json:"returned"` // customers removed from other campaigns put back there
	Kept     []int64 `json:"kept"`     // customers changed since, left alone
	// AgentsRevoked are the agents the import gave the campaign who lose
	// it again (Customers is 0). AgentsKept keep it, because customers of
	// the campaign are still theirs after the undo (Customers says how
	// many): taking it away would hide those customers from them. An agent given the
	// campaign otherwise since (a user's campaigns saved) is in neither:
	// the access is no longer the import's to take back.
	AgentsRevoked []ImportAgent `json:"agents_revoked"`
	AgentsKept    []ImportAgent `json:"agents_kept"`
}

// ImportJobStore keeps import jobs and their files, and hands queued jobs
// to the import engine's workers: the jobs' life from upload to end, the
// leases that keep one job with one worker, and the files' clean-up. It
// is the half of the import store that the engine runs its queue with;
// ImportApplier is the other. sqldb implements both.
type ImportJobStore interface {
	// CreateImportJob saves a job and its file (read to the end, in chunks)
	// in the job's State: draft (to be mapped), queued (the default), or
	// running (for a caller that runs it at once). Returns EINVALID,
	// ENOTFOUND (campaign, status), EFORBIDDEN.
	CreateImportJob(ctx context.Context, job *ImportJob, file io.Reader) error

	// UpdateImportJob changes a draft, or a finished dry run, and queues it
	// if asked. Returns EINVALID, ENOTFOUND, ECONFLICT (it has run).
	UpdateImportJob(ctx context.Context, id int64, upd ImportJobUpdate) (*ImportJob, error)

	// FindImportJobByID returns a job of the actor's account. Returns ENOTFOUND.
	FindImportJobByID(ctx context.Context, id int64) (*ImportJob, error)

	// FindImportJobs returns jobs, newest first, and their total.
	FindImportJobs(ctx context.Context, filter ImportJobFilter) ([]*ImportJob, int, error)

	// FindSingleAdds sums a campaign's single adds by day, source and maker
	// (see SingleAdds).
	FindSingleAdds(ctx context.Context, filter SingleAddsFilter) ([]*SingleAdds, error)

	// OpenImportFile streams a job's file back.
	OpenImportFile(ctx context.Context, jobID int64) (io.ReadCloser, error)

	// ClaimImportJob takes the oldest queued job, or a running one whose
	// worker stopped renewing its lease, for worker. It acts for the
	// operator, across accounts. Returns ENOTFOUND when there is none.
	ClaimImportJob(ctx context.Context, worker string, lease time.Duration) (*ImportJob, error)

	// RenewImportLease extends a running job's lease and records progress;
	// it reports whether cancelling was asked for. Operator only. Returns
	// ECONFLICT when the job is no longer the worker's (another took it
	// over, or it ended).
	RenewImportLease(ctx context.Context, jobID int64, worker string, lease time.Duration, rows int, bytes int64) (cancel bool, err error)

	// ConcurrentWriters reports whether leases and progress can be
	// written while an import's transaction is open. When it cannot (one
	// writer at a time, as SQLite), the engine neither renews leases nor
	// hands jobs over: one process owns the queue, holds its jobs for a
	// day, and requeues those left running at its start
	// (RequeueOrphanedImports).
	ConcurrentWriters() bool

	// RequeueOrphanedImports puts every running job back in the queue,
	// and returns how many there were. The engine calls it at its start
	// only when ConcurrentWriters is false: then no other process runs
	// imports, so a running job was cut off by a stop and its transaction
	// never committed. Operator only.
	RequeueOrphanedImports(ctx context.Context) (int, error)

	// FinishImportJob marks a job failed or cancelled, with a message, if
	// the worker still holds it ("" for a job that was never claimed).
	FinishImportJob(ctx context.Context, jobID int64, worker string, state ImportState, message string) error

	// CancelImportJob asks a job to stop: a queued job is cancelled at once,
	// a running one when its worker next looks. Returns ENOTFOUND, ECONFLICT
	// (already finished).
	CancelImportJob(ctx context.Context, id int64) (*ImportJob, error)

	// PurgeImportFiles deletes the stored files of jobs that finished before
	// the time, and cancels drafts left since before it. The jobs, their
	// counts and problem rows stay. Operator only.
	PurgeImportFiles(ctx context.Context, before time.Time) (int, error)

	// ImportAgain copies an import that wrote nothing, with its file, as
	// a new queued import (see ImportAgainService).
	ImportAgainService
}

// ImportApplier writes imports to the customers, set-based, each in one
// transaction, and reads back what each row did: running an import's
// rows against its campaign, undoing it, and the rows' outcomes it
// recorded. It is the half of the import store that touches customers;
// ImportJobStore is the other. sqldb implements both.
type ImportApplier interface {
	// RunImport applies rows to the job's campaign in one transaction and
	// records the outcome on the job. Nothing is written (but the report)
	// if the job is a dry run, has invalid rows without LoadValid, or
	// gives customers to agents who do not work the campaign under Agents
	// refuse (callsheet.RefusalReason). Under Agents grant, those agents
	// are given the campaign in the same transaction, audited. With
	// collect, every row's result is returned. It commits only while the
	// job is still job.Worker's: a worker whose job another took over
	// writes nothing and gets ErrImportTakenOver.
	RunImport(ctx context.Context, job *ImportJob, src ImportSource, collect bool) (*ImportResult, error)

	// AddCustomer is RunImport for one row, with the same rules, outcome,
	// report, audit and undo, but without staging: it creates the job
	// (filling job in as CreateImportJob does), applies the row and
	// finishes the job in one short transaction, so there is no running
	// job to lease, cancel or recover. It returns the row's result.
	AddCustomer(ctx context.Context, job *ImportJob, row *ImportRow) (*ImportResult, error)

	// UndoImportJob undoes a finished, applied import, and takes back the
	// campaign from the agents it gave it to (see UndoResult). Returns
	// ENOTFOUND, ECONFLICT (not undoable).
	UndoImportJob(ctx context.Context, id int64) (*UndoResult, error)

	// FindImportProblems returns the rows of a job that were not added or
	// updated, those left blocked and those that removed customers of other
	// campaigns (with them), by line, and their total.
	FindImportProblems(ctx context.Context, jobID int64, offset, limit int) ([]RowResult, int, error)

	// FindImportRows returns every row's outcome of a finished job, by
	// line, and their total: the problem rows as stored, and the customers
	// the import added, moved or changed, as the customers are now (a
	// customer since deleted, or an undone import's, is no longer listed).
	FindImportRows(ctx context.Context, jobID int64, offset, limit int) ([]RowResult, int, error)
}

// ReportReader says who reads a problem report, and so how it writes each
// row's outcome and reason.
type ReportReader struct {
	// Programs: the outcome codes the API uses everywhere
	// (skipped_existing), and English reasons. Otherwise people: outcomes
	// in people's words, as the pages write them (Outcome.LabelFor the
	// import's Applied), and the header and reasons in Lang.
	Programs bool
	// Lang is the language of a report for people: an interface language
	// such as "he"; "" is English.
	Lang string
}

// Report readers.
var (
	// ReportForPeople writes outcomes in people's words: "Already here,
	// skipped", in English; ReportForPeople.In(lang) in another language.
	// The import page's download and the command line's --report.
	ReportForPeople = ReportReader{}
	// ReportForPrograms writes the outcome codes the API uses everywhere:
	// skipped_existing.
	ReportForPrograms = ReportReader{Programs: true}
)

// In returns the reader reading in the language lang.
func (r ReportReader) In(lang string) ReportReader {
	r.Lang = lang
	return r
}

// FilePreview is what a file looks like to the importer: what was detected,
// its columns, its first rows, and a suggested mapping.
type FilePreview struct {
	Format    string            `json:"format"`
	Encoding  string            `json:"encoding,omitempty"`
	Delimiter string            `json:"delimiter,omitempty"`
	Sheet     string            `json:"sheet,omitempty"`
	Sheets    []string          `json:"sheets,omitempty"`
	Header    []string          `json:"header"`
	Samples   [][]string        `json:"samples"`
	Suggested map[string]string `json:"suggested"` // field -> column
}

// CustomerInput is one customer as the API and forms send it: field names
// (system fields, custom_field_<id>) to values as people write them.
type CustomerInput map[string]string

// ImportService is the import engine: every way customers come in (file,
// API, form) goes through it, with the same options and checks.
type ImportService interface {
	// PreviewFile reads the header and first rows of a job's file.
	PreviewFile(ctx context.Context, jobID int64) (*FilePreview, error)

	// CreateImport saves a file import (see ImportJobStore.CreateImportJob).
	// A queued job is run in the background.
	CreateImport(ctx context.Context, job *ImportJob, file io.Reader) error

	// UpdateImport changes a draft or previewed job and may queue it.
	UpdateImport(ctx context.Context, id int64, upd ImportJobUpdate) (*ImportJob, error)

	// FindImport returns a job with its live progress.
	FindImport(ctx context.Context, id int64) (*ImportJob, error)

	// FindImports lists jobs.
	FindImports(ctx context.Context, filter ImportJobFilter) ([]*ImportJob, int, error)

	// FindSingleAdds sums a campaign's single adds by day (see ImportJobStore).
	FindSingleAdds(ctx context.Context, filter SingleAddsFilter) ([]*SingleAdds, error)

	// FindImportProblems lists the rows not added or updated, blocked, or
	// that removed customers elsewhere (see ImportApplier).
	FindImportProblems(ctx context.Context, id int64, offset, limit int) ([]RowResult, int, error)

	// FindImportRows lists every row's outcome (see ImportApplier).
	FindImportRows(ctx context.Context, id int64, offset, limit int) ([]RowResult, int, error)

	// WriteProblemReport writes the rows not added or updated (those of
	// FindImportProblems) as CSV, in the file's own columns, with line,
	// outcome and reason first; the outcome, the header and the reasons as
	// the report's reader wants them (see ReportReader).
	WriteProblemReport(ctx context.Context, id int64, reader ReportReader, w io.Writer) error

	// ImportAgain runs the stored file of an import that wrote nothing
	// again, as a new import (see ImportAgainService).
	ImportAgainService

	// CancelImport stops a queued or running job.
	CancelImport(ctx context.Context, id int64) (*ImportJob, error)

	// UndoImport undoes a finished import.
	UndoImport(ctx context.Context, id int64) (*UndoResult, error)

	// AddCustomers adds customers given field by field (the API and the
	// agent's form), with the options of a file upload, and returns every
	// row's result. mapping names the fields given; with override, only
	// those are updated.
	AddCustomers(ctx context.Context, campaignID int64, opts ImportOptions, items []CustomerInput, source string) (*ImportJob, *ImportResult, error)

	// NormalizePhone reads a phone as imports do, in the account's country
	// unless international, and returns it in E.164. Returns EINVALID.
	NormalizePhone(ctx context.Context, phone string, international bool) (string, error)

	// Export writes a campaign's customers as csv or jsonl.
	Export(ctx context.Context, campaignID int64, format string, w io.Writer) error
}
