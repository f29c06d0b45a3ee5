package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Invariants, in the order the report lists them.
const (
	invPhoneTwice   = "no phone twice in a campaign"
	invMoveUnique   = "with move, no phone in two move campaigns"
	invJobFinal     = "every import ends (done, failed, cancelled, undone)"
	invFailedClean  = "a failed or cancelled import wrote nothing"
	invCounts       = "an import's counts equal its rows in the store"
	invAcked        = "every acknowledged add is stored exactly once"
	invIdempotent   = "an idempotent retry never doubles"
	invReports      = "every count in a report equals the store"
	invCustomerSame = "a customer keeps its phone and origin"
	invRefused      = "no valid request is refused"
	invPageCounts   = "the counts pages read equal the customers"
)

var invariants = []string{invPhoneTwice, invMoveUnique, invJobFinal, invFailedClean, invCounts, invAcked, invIdempotent, invReports, invCustomerSame, invRefused, invPageCounts}

// violations counts each invariant's violations, with a few examples.
type violations struct {
	mu       sync.Mutex
	count    map[string]int
	examples map[string][]string
	notes    []string // what the checks saw that is not a violation
}

func newViolations() *violations {
	return &violations{count: map[string]int{}, examples: map[string][]string{}}
}

func (v *violations) add(inv, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.count[inv]++
	if len(v.examples[inv]) < 5 {
		v.examples[inv] = append(v.examples[inv], fmt.Sprintf(format, args...))
	}
}

func (v *violations) note(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.notes = append(v.notes, fmt.Sprintf(format, args...))
}

func (v *violations) total() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, c := range v.count {
		n += c
	}
	return n
}

// counts is an import's counts as the store keeps them (JSON).
type counts struct {
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

// job is an import job as the store keeps it.
type job struct {
	id, campaign, token int64
	source, fileName    string
	state               string
	applied             bool
	counts              counts
	attempts            int
}

// pair is two counts: of customers and of distinct lines.
type pair struct{ ids, lines int }

// check reads the store and the API after the load and records every
// violation of the invariants.
func check(ctx context.Context, cl *cluster, l *load, vs *violations) error {
	db, err := sql.Open("pgx", cl.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()

	// Every phone once per campaign.
	if err := eachRow(ctx, db, `SELECT campaign_id, phone, count(*) FROM customers GROUP BY campaign_id, phone HAVING count(*) > 1`,
		func(sc scanner) error {
			var camp int64
			var ph string
			var n int
			if err := sc.Scan(&camp, &ph, &n); err != nil {
				return err
			}
			vs.add(invPhoneTwice, "phone %s is %d times in campaign %d", ph, n, camp)
			return nil
		}); err != nil {
		return err
	}

	// The counts by campaign and status that the pages read, which the
	// database keeps as customers change, equal the customers counted.
	if err := eachRow(ctx, db, `SELECT COALESCE(k.campaign_id, c.campaign_id), COALESCE(k.status_id, c.status_id), COALESCE(k.customers, 0), COALESCE(c.n, 0)
		FROM (SELECT campaign_id, status_id, sum(customers) AS customers FROM campaign_counts GROUP BY campaign_id, status_id) k
		FULL OUTER JOIN (SELECT campaign_id, status_id, count(*) AS n FROM customers GROUP BY campaign_id, status_id) c
			ON c.campaign_id = k.campaign_id AND c.status_id = k.status_id
		WHERE COALESCE(k.customers, 0) <> COALESCE(c.n, 0) OR k.customers < 0`,
		func(sc scanner) error {
			var camp, status, kept, counted int64
			if err := sc.Scan(&camp, &status, &kept, &counted); err != nil {
				return err
			}
			vs.add(invPageCounts, "campaign %d, status %d: %d kept, %d counted", camp, status, kept, counted)
			return nil
		}); err != nil {
		return err
	}

	// Move campaigns: a phone in one of them is in no other of them.
	// Only undo returns a moved customer to where it was; a phone it
	// returned while the phone was in another move campaign is listed
	// under the undo, not as a failure of move.
	var move []string
	for _, c := range cl.campaigns {
		if c.Move {
			move = append(move, strconv.FormatInt(c.ID, 10))
		}
	}
	// A customer an undo returned keeps its id: the id is in a removal
	// record of an undone import.
	byUndo := 0
	if err := eachRow(ctx, db, `SELECT phone, string_agg(campaign_id::text || ' (customer ' || id::text || ', import ' || COALESCE(import_id, 0)::text || ')', ', ' ORDER BY campaign_id),
			bool_or(EXISTS (SELECT 1 FROM import_changes ch JOIN import_jobs j ON j.id = ch.job_id
				WHERE ch.kind = 'removed' AND ch.customer_id = customers.id AND j.state = 'undone'))
		FROM customers WHERE campaign_id IN (`+strings.Join(move, ", ")+`) GROUP BY phone HAVING count(*) > 1`, func(sc scanner) error {
		var ph, where string
		var returned bool
		if err := sc.Scan(&ph, &where, &returned); err != nil {
			return err
		}
		if returned {
			if byUndo++; byUndo <= 3 {
				vs.note("phone %s is in move campaigns %s: an undo returned one of them to where an import had moved it from", ph, where)
			}
			return nil
		}
		vs.add(invMoveUnique, "phone %s is in move campaigns %s", ph, where)
		return nil
	}); err != nil {
		return err
	}
	if byUndo > 0 {
		vs.note("%d phones are in two move campaigns because an undo returned a moved customer to its campaign while a later import had moved the phone on (undo returns a moved customer unless its phone is in that same campaign again)", byUndo)
	}

	// The jobs.
	jobs := map[int64]*job{}
	var ids []int64
	if err := eachRow(ctx, db, `SELECT id, campaign_id, source, COALESCE(token_id, 0), file_name, state, applied, counts, attempts FROM import_jobs ORDER BY id`,
		func(sc scanner) error {
			j := &job{}
			var c string
			if err := sc.Scan(&j.id, &j.campaign, &j.source, &j.token, &j.fileName, &j.state, &j.applied, &c, &j.attempts); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(c), &j.counts); err != nil {
				return fmt.Errorf("job %d counts %q: %v", j.id, c, err)
			}
			jobs[j.id] = j
			ids = append(ids, j.id)
			return nil
		}); err != nil {
		return err
	}
	reruns := 0
	for _, id := range ids {
		j := jobs[id]
		switch j.state {
		case "done", "failed", "cancelled", "undone":
		default:
			vs.add(invJobFinal, "import %d (%s, token %d) is %s after the wait", j.id, j.source, j.token, j.state)
		}
		if j.attempts > 1 {
			reruns++
		}
	}
	vs.note("%d imports in the store, %d of them run more than once (taken over after a kill)", len(jobs), reruns)

	// What the store holds of each job: every customer it ever added (those
	// still there, and those moved away or changed since, which left a
	// record), its update and removal records, its problem rows.
	ever := map[int64]pair{}
	if err := eachRow(ctx, db, `SELECT import_id, count(DISTINCT id), count(DISTINCT import_line) FROM (
			SELECT id, import_id, import_line FROM customers WHERE import_id IS NOT NULL
			UNION SELECT customer_id, import_id, import_line FROM import_changes WHERE import_id IS NOT NULL) x GROUP BY import_id`,
		func(sc scanner) error {
			var id int64
			var p pair
			if err := sc.Scan(&id, &p.ids, &p.lines); err != nil {
				return err
			}
			ever[id] = p
			return nil
		}); err != nil {
		return err
	}
	if err := eachRow(ctx, db, `SELECT c.import_id, count(*) FROM customers c JOIN import_jobs j ON j.id = c.import_id
		WHERE c.campaign_id <> j.campaign_id GROUP BY c.import_id`, func(sc scanner) error {
		var id int64
		var elsewhere int
		if err := sc.Scan(&id, &elsewhere); err != nil {
			return err
		}
		vs.add(invCustomerSame, "%d customers of import %d are in another campaign than the import's", elsewhere, id)
		return nil
	}); err != nil {
		return err
	}
	changes := map[int64]map[string]pair{}
	if err := eachRow(ctx, db, `SELECT job_id, kind, count(*), count(DISTINCT line) FROM import_changes GROUP BY job_id, kind`, func(sc scanner) error {
		var id int64
		var kind string
		var p pair
		if err := sc.Scan(&id, &kind, &p.ids, &p.lines); err != nil {
			return err
		}
		if changes[id] == nil {
			changes[id] = map[string]pair{}
		}
		changes[id][kind] = p
		return nil
	}); err != nil {
		return err
	}
	problems := map[int64]map[string]int{}
	if err := eachRow(ctx, db, `SELECT job_id, outcome, count(*) FROM import_problems GROUP BY job_id, outcome`, func(sc scanner) error {
		var id int64
		var o string
		var n int
		if err := sc.Scan(&id, &o, &n); err != nil {
			return err
		}
		if problems[id] == nil {
			problems[id] = map[string]int{}
		}
		problems[id][o] = n
		return nil
	}); err != nil {
		return err
	}
	// The lines whose rows removed customers from other campaigns, by the
	// outcome their problem row gives ("" when none does).
	removedBy := map[int64]map[string]int{}
	if err := eachRow(ctx, db, `SELECT ch.job_id, COALESCE(p.outcome, ''), count(DISTINCT ch.line) FROM import_changes ch
			LEFT JOIN import_problems p ON p.job_id = ch.job_id AND p.line = ch.line
		WHERE ch.kind = 'removed' GROUP BY ch.job_id, COALESCE(p.outcome, '')`, func(sc scanner) error {
		var id int64
		var o string
		var n int
		if err := sc.Scan(&id, &o, &n); err != nil {
			return err
		}
		if removedBy[id] == nil {
			removedBy[id] = map[string]int{}
		}
		removedBy[id][o] = n
		return nil
	}); err != nil {
		return err
	}
	// A job's customers still in its campaign whose row is not a problem
	// row: the rows list shows them beside the problems.
	unreported := map[int64]int{}
	if err := eachRow(ctx, db, `SELECT c.import_id, count(*) FROM customers c JOIN import_jobs j ON j.id = c.import_id AND j.campaign_id = c.campaign_id
		WHERE NOT EXISTS (SELECT 1 FROM import_problems p WHERE p.job_id = c.import_id AND p.line = c.import_line) GROUP BY c.import_id`, func(sc scanner) error {
		var id int64
		var n int
		if err := sc.Scan(&id, &n); err != nil {
			return err
		}
		unreported[id] = n
		return nil
	}); err != nil {
		return err
	}
	// One import adds a phone once.
	if err := eachRow(ctx, db, `SELECT import_id, phone, count(DISTINCT id) FROM (
			SELECT id, import_id, phone FROM customers WHERE import_id IS NOT NULL
			UNION SELECT customer_id, import_id, phone FROM import_changes WHERE import_id IS NOT NULL) x
		GROUP BY import_id, phone HAVING count(DISTINCT id) > 1`, func(sc scanner) error {
		var id int64
		var ph string
		var n int
		if err := sc.Scan(&id, &ph, &n); err != nil {
			return err
		}
		vs.add(invCounts, "import %d added phone %s %d times", id, ph, n)
		return nil
	}); err != nil {
		return err
	}
	// A customer's phone and origin never change (the load never edits
	// customers): every record of a customer id agrees.
	if err := eachRow(ctx, db, `SELECT id, count(DISTINCT phone), count(DISTINCT COALESCE(import_id, 0)) FROM (
			SELECT id, phone, import_id FROM customers UNION ALL SELECT customer_id, phone, import_id FROM import_changes) x
		GROUP BY id HAVING count(DISTINCT phone) > 1 OR count(DISTINCT COALESCE(import_id, 0)) > 1`, func(sc scanner) error {
		var id int64
		var phones, origins int
		if err := sc.Scan(&id, &phones, &origins); err != nil {
			return err
		}
		vs.add(invCustomerSame, "customer %d has had %d phones and %d origins", id, phones, origins)
		return nil
	}); err != nil {
		return err
	}

	for _, id := range ids {
		checkJob(jobs[id], ever[id], changes[id], problems[id], removedBy[id], vs)
	}

	// Every request of the load is valid: an answer other than the one
	// hoped for is a fault of the servers (replays are checked above).
	l.st.mu.Lock()
	for _, k := range opKinds {
		if o := l.st.ops[k]; k != opReplay && o.failed > 0 {
			for i := 0; i < o.failed; i++ {
				ex := "(more of the same)"
				if i < len(o.examples) {
					ex = o.examples[i]
				}
				vs.add(invRefused, "%s: %s", k, ex)
			}
		}
	}
	l.st.mu.Unlock()

	if err := checkAcks(ctx, db, l, jobs, vs); err != nil {
		return err
	}
	if err := checkKeys(ctx, db, cl, l, jobs, vs); err != nil {
		return err
	}
	return checkReports(ctx, cl, l, jobs, unreported, problems, vs)
}

// checkJob compares one job's counts with its rows in the store. The
// problem rows are the rows not added or updated, those left blocked, and
// those that removed customers from other campaigns (Outcome.Reported);
// the load has no do-not-call, so none is blocked.
func checkJob(j *job, ever pair, ch map[string]pair, probs map[string]int, removed map[string]int, vs *violations) {
	c := j.counts
	switch j.state {
	case "failed", "cancelled":
		if ever.ids > 0 || len(ch) > 0 {
			vs.add(invFailedClean, "import %d is %s but added %d customers and has %d kinds of change records", j.id, j.state, ever.ids, len(ch))
		}
		return
	case "undone":
		if ever.ids > c.Added+c.Moved {
			vs.add(invCounts, "undone import %d counted %d added or moved, the store has %d of its customers", j.id, c.Added+c.Moved, ever.ids)
		}
		return
	case "done":
	default:
		return
	}
	sum := c.Added + c.Moved + c.Updated + c.Reset + c.SkippedExisting + c.SkippedOtherCampaign + c.DuplicateInFile + c.Invalid
	if sum != c.Total {
		vs.add(invCounts, "import %d: outcomes add up to %d, total is %d", j.id, sum, c.Total)
	}
	for o, want := range map[string]int{"skipped_existing": c.SkippedExisting, "skipped_other_campaign": c.SkippedOtherCampaign,
		"duplicate_in_file": c.DuplicateInFile, "invalid": c.Invalid} {
		if probs[o] != want {
			vs.add(invCounts, "import %d counted %d %s; the store has %d such problem rows", j.id, want, o, probs[o])
		}
	}
	if c.Blocked != 0 {
		vs.add(invCounts, "import %d counted %d blocked, but the load puts no phone on the do-not-call register", j.id, c.Blocked)
	}
	if probs["added"] > 0 {
		vs.add(invCounts, "import %d has %d added rows among its problems, neither blocked nor moving a customer", j.id, probs["added"])
	}
	// With move, the customers a row removes (or would remove, in a dry
	// run or a refused import) are kept as removal records and counted.
	if ch["removed"].ids != c.RemovedElsewhere {
		vs.add(invCounts, "import %d counted %d customers removed elsewhere; the store has %d removal records", j.id, c.RemovedElsewhere, ch["removed"].ids)
	}
	if !j.applied {
		if ever.ids > 0 || ch["updated"].ids+ch["reset"].ids > 0 {
			vs.add(invCounts, "import %d was not applied but added %d customers and left %d update records", j.id, ever.ids, ch["updated"].ids+ch["reset"].ids)
		}
		return
	}
	if ever.ids != c.Added+c.Moved || ever.lines != c.Added+c.Moved {
		vs.add(invCounts, "import %d counted %d added and moved; the store has %d customers from %d lines of it", j.id, c.Added+c.Moved, ever.ids, ever.lines)
	}
	if u := ch["updated"].ids + ch["reset"].ids; u != c.Updated+c.Reset || ch["updated"].lines+ch["reset"].lines != u {
		vs.add(invCounts, "import %d counted %d updated and reset; the store has %d update records", j.id, c.Updated+c.Reset, u)
	}
	// Every moved row removed customers elsewhere and is reported; every
	// row that removed some is reported; an updated or reset row is
	// reported only when it removed some.
	if probs["moved"] != c.Moved || removed["moved"] != c.Moved {
		vs.add(invCounts, "import %d counted %d moved; the store has %d moved problem rows and removal records for %d moved lines", j.id, c.Moved, probs["moved"], removed["moved"])
	}
	if removed[""] > 0 {
		vs.add(invCounts, "import %d removed customers elsewhere for %d lines it does not report", j.id, removed[""])
	}
	if probs["updated"]+probs["reset"] != removed["updated"]+removed["reset"] {
		vs.add(invCounts, "import %d reports %d updated or reset rows; %d of them removed customers elsewhere", j.id, probs["updated"]+probs["reset"], removed["updated"]+removed["reset"])
	}
}

// checkAcks checks that every customer a client was told was added is in
// the store, once, as added: or was since moved away by another import,
// or undone with its import.
func checkAcks(ctx context.Context, db *sql.DB, l *load, jobs map[int64]*job, vs *violations) error {
	type row struct {
		campaign, importID int64
		phone              string
		line               int
	}
	customers := map[int64]row{}
	if err := eachRow(ctx, db, `SELECT id, campaign_id, phone, COALESCE(import_id, 0), COALESCE(import_line, -1) FROM customers`, func(sc scanner) error {
		var id int64
		var r row
		if err := sc.Scan(&id, &r.campaign, &r.phone, &r.importID, &r.line); err != nil {
			return err
		}
		customers[id] = r
		return nil
	}); err != nil {
		return err
	}
	removed := map[int64]bool{}
	if err := eachRow(ctx, db, `SELECT DISTINCT ch.customer_id FROM import_changes ch JOIN import_jobs j ON j.id = ch.job_id
		WHERE ch.kind = 'removed' AND j.applied`, func(sc scanner) error {
		var id int64
		if err := sc.Scan(&id); err != nil {
			return err
		}
		removed[id] = true
		return nil
	}); err != nil {
		return err
	}
	l.mu.Lock()
	acks := append([]ack(nil), l.acks...)
	l.mu.Unlock()
	gone := 0
	for _, a := range acks {
		j := jobs[a.job]
		if j == nil {
			vs.add(invAcked, "%s %s: import %d of the answer is not in the store", a.kind, a.key, a.job)
			continue
		}
		if j.state != "done" && j.state != "undone" {
			vs.add(invAcked, "%s %s: import %d of the answer is %s", a.kind, a.key, a.job, j.state)
		}
		r, ok := customers[a.customer]
		switch {
		case ok:
			if r.campaign != a.campaign || r.phone != a.phone || r.importID != a.job || r.line != a.line {
				vs.add(invAcked, "%s %s: customer %d was answered as %s added to campaign %d by import %d line %d; the store has %s in campaign %d from import %d line %d",
					a.kind, a.key, a.customer, a.phone, a.campaign, a.job, a.line, r.phone, r.campaign, r.importID, r.line)
			}
		case j.state == "undone" || removed[a.customer]:
			gone++
		default:
			vs.add(invAcked, "%s %s: customer %d (%s, campaign %d, import %d) is not in the store, and was neither moved away nor undone",
				a.kind, a.key, a.customer, a.phone, a.campaign, a.job)
		}
	}
	vs.note("%d acknowledged adds checked; %d of them since moved away or undone, as they may be", len(acks), gone)
	return nil
}

// checkKeys checks the idempotency keys: every answer to a key was the
// same, the store keeps that answer, no import was run for two keys, and
// every import of the keyed tokens was run for a key (but those whose
// server died before it could record the answer, whose key stays pending).
func checkKeys(ctx context.Context, db *sql.DB, cl *cluster, l *load, jobs map[int64]*job, vs *violations) error {
	l.keys.mu.Lock()
	for _, d := range l.keys.differ {
		vs.add(invIdempotent, "a retry got another answer: %s", d)
	}
	first := make(map[string]*answer, len(l.keys.first))
	for k, a := range l.keys.first {
		first[k] = a
	}
	l.keys.mu.Unlock()

	kindOf := map[string]string{}
	for kind, id := range cl.tokenIDs {
		kindOf["token:"+strconv.FormatInt(id, 10)] = kind
	}
	type stored struct {
		kind, state string
		status      int
		body        []byte
	}
	keys := map[string]stored{}
	pending := map[string]int{}
	if err := eachRow(ctx, db, `SELECT scope, idem_key, state, status, COALESCE(body, ''::bytea) FROM idempotency_keys`, func(sc scanner) error {
		var scope, key string
		var s stored
		if err := sc.Scan(&scope, &key, &s.state, &s.status, &s.body); err != nil {
			return err
		}
		s.kind = kindOf[scope]
		keys[key] = s
		if s.state == "pending" {
			pending[s.kind]++
		}
		return nil
	}); err != nil {
		return err
	}
	for key, a := range first {
		s, ok := keys[key]
		switch {
		case !ok:
			vs.add(invIdempotent, "key %s was answered %d but the store does not keep it", key, a.status)
		case s.state != "done" || s.status != a.status || !bytes.Equal(s.body, a.body):
			vs.add(invIdempotent, "key %s: the client got %d %.100s; the store keeps %s %d %.100s", key, a.status, a.body, s.state, s.status, s.body)
		}
	}
	// Which import each answered key ran.
	keyOf := map[int64]string{}
	for key, s := range keys {
		if s.state != "done" || s.status/100 != 2 {
			continue
		}
		var v struct {
			ID    int64 `json:"id"`
			JobID int64 `json:"job_id"`
		}
		json.Unmarshal(s.body, &v)
		id := v.JobID
		if s.kind == "file" {
			id = v.ID
		}
		if id == 0 || s.kind == "undo" {
			continue
		}
		if other, dup := keyOf[id]; dup {
			vs.add(invIdempotent, "import %d is the answer to two keys, %s and %s", id, other, key)
		}
		keyOf[id] = key
		if j := jobs[id]; j == nil {
			vs.add(invIdempotent, "key %s answered import %d, which is not in the store", key, id)
		} else if kind := kindOf["token:"+strconv.FormatInt(j.token, 10)]; kind != s.kind {
			vs.add(invIdempotent, "key %s of the %s token answered import %d of the %s token", key, s.kind, id, kind)
		}
	}
	// Imports of each keyed token that ran (done, or done and undone) with
	// no key to show for it: at most one per key still pending.
	orphans := map[string][]int64{}
	for _, j := range jobs {
		kind := kindOf["token:"+strconv.FormatInt(j.token, 10)]
		if kind == "" || kind == "undo" || kind == "read" || (j.state != "done" && j.state != "undone") {
			continue
		}
		if _, ok := keyOf[j.id]; !ok {
			orphans[kind] = append(orphans[kind], j.id)
		}
	}
	for kind, os := range orphans {
		sort.Slice(os, func(a, b int) bool { return os[a] < os[b] })
		if len(os) > pending[kind] {
			vs.add(invIdempotent, "%d %s imports ran without a key answered for them, but only %d %s keys are pending (a request ran twice?): imports %v",
				len(os), kind, pending[kind], kind, head(os, 10))
		}
	}
	vs.note("%d idempotency keys in the store, %d pending (their server was killed before it could answer)", len(keys), sum(pending))

	// A file sent under one key is one import: its file name is the key.
	byName := map[string][]int64{}
	for _, j := range jobs {
		if j.fileName != "" {
			byName[j.fileName] = append(byName[j.fileName], j.id)
		}
	}
	for name, ids := range byName {
		if len(ids) > 1 {
			vs.add(invIdempotent, "file %s was imported %d times: imports %v", name, len(ids), ids)
		}
	}
	l.mu.Lock()
	files := append([]fileSent(nil), l.files...)
	batches := make(map[string]int, len(l.batches))
	for k, n := range l.batches {
		batches[k] = n
	}
	l.mu.Unlock()
	for _, f := range files {
		if ids := byName[f.key+".csv"]; len(ids) != 1 || ids[0] != f.job {
			vs.add(invIdempotent, "file %s was answered with import %d; the store has imports %v of it", f.key, f.job, ids)
		}
		if j := jobs[f.job]; j != nil && j.state == "done" && j.counts.Total != f.rows {
			vs.add(invCounts, "import %d of file %s counted %d rows; the file has %d", f.job, f.key, j.counts.Total, f.rows)
		}
	}
	for id, key := range keyOf {
		if n, ok := batches[key]; ok {
			if j := jobs[id]; j != nil && j.state == "done" && j.counts.Total != n {
				vs.add(invCounts, "import %d of batch %s counted %d customers; the batch has %d", id, key, j.counts.Total, n)
			}
		}
	}
	return nil
}

// reportSample is how many imports' reports checkReports reads.
const reportSample = 150

// checkReports reads, through the API, the import, its problems and its
// rows of finished imports, and compares them with the store.
func checkReports(ctx context.Context, cl *cluster, l *load, jobs map[int64]*job, unreported map[int64]int, problems map[int64]map[string]int, vs *violations) error {
	rng := rand.New(rand.NewPCG(uint64(l.cfg.seed), 7))
	snd := &sender{cl: cl, http: l.snd.http, loadEnd: l.snd.loadEnd.Add(opTimeout * 10)}
	// The imports taken over after a kill, then others at random, up to
	// reportSample: reading every report of a long run would take longer
	// than the run's time allows.
	var over, rest []int64
	for id, j := range jobs {
		if j.state != "done" || (j.source != "api" && j.source != "file") {
			continue
		}
		if j.attempts > 1 {
			over = append(over, id)
		} else {
			rest = append(rest, id)
		}
	}
	sort.Slice(over, func(a, b int) bool { return over[a] < over[b] })
	sort.Slice(rest, func(a, b int) bool { return rest[a] < rest[b] })
	rng.Shuffle(len(rest), func(a, b int) { rest[a], rest[b] = rest[b], rest[a] })
	ids := append(over, rest...)
	if len(ids) > reportSample {
		ids = ids[:reportSample]
	}
	checked := 0
	get := func(path string, v any) bool {
		a, err := snd.send(ctx, rng, request{method: "GET", path: path, token: cl.tokens["read"]})
		if err != nil || a.status != http.StatusOK || json.Unmarshal(a.body, v) != nil {
			msg := "no answer"
			if err == nil {
				msg = errorMessage(a)
			}
			vs.add(invReports, "GET %s: %s", path, msg)
			return false
		}
		return true
	}
	for _, id := range ids {
		j := jobs[id]
		if ctx.Err() != nil {
			return ctx.Err()
		}
		checked++
		p := "/api/imports/" + strconv.FormatInt(id, 10)
		var got struct {
			State   string `json:"state"`
			Applied bool   `json:"applied"`
			Counts  counts `json:"counts"`
		}
		if !get(p, &got) {
			continue
		}
		if got.State != j.state || got.Applied != j.applied || got.Counts != j.counts {
			vs.add(invReports, "import %d: the API says %s %v %+v; the store has %s %v %+v", id, got.State, got.Applied, got.Counts, j.state, j.applied, j.counts)
		}
		c, probs := j.counts, problems[id]
		reported := 0
		for _, n := range probs {
			reported += n
		}
		var page struct{ Total int }
		if get(p+"/problems?limit=1", &page) && page.Total != reported {
			vs.add(invReports, "import %d: the API lists %d problem rows; the store has %d", id, page.Total, reported)
		}
		if j.applied && get(p+"/rows?limit=1", &page) {
			// The problem rows, the updated rows not among them, and the
			// customers the import added that are still there.
			want := reported + c.Updated + c.Reset - probs["updated"] - probs["reset"] + unreported[id]
			if page.Total != want {
				vs.add(invReports, "import %d: the API lists %d rows; the store has %d (%d problem rows, %d updated, %d added still there)",
					id, page.Total, want, reported, c.Updated+c.Reset-probs["updated"]-probs["reset"], unreported[id])
			}
		}
	}
	vs.note("%d imports' reports read through the API (those taken over after a kill, and others at random)", checked)
	return nil
}

type scanner interface{ Scan(...any) error }

// eachRow runs a query and calls f for each row.
func eachRow(ctx context.Context, db *sql.DB, q string, f func(scanner) error) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.Join(strings.Fields(q), " "))
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func head(ids []int64, n int) []int64 {
	if len(ids) > n {
		return ids[:n]
	}
	return ids
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
