package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ack is one customer a client was told was added (or moved) and written.
type ack struct {
	kind     string // opSingle or opBatch
	key      string
	job      int64
	campaign int64
	phone    string // E.164
	customer int64
	line     int
}

// fileSent is a file import the API accepted.
type fileSent struct {
	key      string
	job      int64
	campaign int64
	rows     int
}

// load runs the clients and the faults, and keeps what the clients were
// told, for the checks.
type load struct {
	cl  *cluster
	st  *stats
	cfg config
	snd *sender

	stopped atomic.Bool
	keys    *keyed // answers by idempotency key, every kind

	mu      sync.Mutex
	acks    []ack
	files   []fileSent
	jobs    []int64        // jobs of acknowledged adds and imports, for undo and reads
	undone  map[int64]bool // jobs an undo was acknowledged for
	batches map[string]int // batch key to its number of customers
}

func newLoad(cl *cluster, st *stats, cfg config) *load {
	tr := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	return &load{cl: cl, st: st, cfg: cfg, keys: newKeyed(), undone: map[int64]bool{}, batches: map[string]int{},
		snd: &sender{cl: cl, http: &http.Client{Transport: tr}}}
}

// run runs the load and the faults for d, then waits for the clients.
func (l *load) run(ctx context.Context, d time.Duration) {
	l.snd.loadEnd = time.Now().Add(d)
	var wg sync.WaitGroup
	seed := uint64(l.cfg.seed)
	n := uint64(0)
	spawn := func(f func(ctx context.Context, rng *rand.Rand)) {
		n++
		rng := rand.New(rand.NewPCG(seed, n))
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx, rng)
		}()
	}
	for i := 0; i < 2; i++ {
		spawn(l.fileWorker)
		spawn(l.singleWorker)
		spawn(l.batchWorker)
	}
	spawn(l.uiWorker)
	spawn(l.undoWorker)
	var nemesis sync.WaitGroup
	nemesis.Add(1)
	go func() {
		defer nemesis.Done()
		l.nemesis(ctx, rand.New(rand.NewPCG(seed, 1000)))
	}()
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	l.stopped.Store(true)
	nemesis.Wait()
	wg.Wait()
}

// nemesis kills a random server with SIGKILL every few seconds (now and
// then two at once), and restarts it after a pause. One server is always
// left running.
func (l *load) nemesis(ctx context.Context, rng *rand.Rand) {
	for !l.stopped.Load() && ctx.Err() == nil {
		every := l.cfg.killEvery
		l.sleep(time.Duration(float64(every) * (0.5 + rng.Float64())))
		if l.stopped.Load() {
			return
		}
		live := l.cl.live()
		if len(live) < 2 {
			continue
		}
		rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
		victims := live[:1]
		if len(live) > 2 && rng.IntN(5) == 0 {
			victims = live[:2]
		}
		for _, s := range victims {
			l.cl.kill(s, true)
		}
		l.sleep(time.Duration(300+rng.IntN(2500)) * time.Millisecond)
		for _, s := range victims {
			if err := l.cl.start(ctx, s); err != nil {
				l.cl.logger.Printf("restart server %d: %v", s.id, err)
			}
		}
	}
}

// sleep waits for d, or less once the load stops.
func (l *load) sleep(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end) && !l.stopped.Load(); {
		time.Sleep(min(100*time.Millisecond, time.Until(end)))
	}
}

// options is the JSON of an import's options.
type options struct {
	Unique    string `json:"unique"`
	Override  bool   `json:"override,omitempty"`
	Reset     bool   `json:"reset,omitempty"`
	LoadValid bool   `json:"load_valid,omitempty"`
	DryRun    bool   `json:"dry_run,omitempty"`
}

// pickCampaign picks a campaign and options that fit it: move campaigns
// get unique=move, the others any or only-new.
func (l *load) pickCampaign(rng *rand.Rand) (campaign, options) {
	cp := l.cl.campaigns[rng.IntN(len(l.cl.campaigns))]
	o := options{Unique: "any"}
	if cp.Move {
		o.Unique = "move"
	} else if rng.IntN(5) == 0 {
		o.Unique = "only-new"
	}
	o.Override = rng.IntN(4) == 0
	o.Reset = rng.IntN(10) == 0
	return cp, o
}

// customer is one generated customer: its pool phone (-1 for an invalid
// one) and the fields sent.
type customer struct {
	k      int
	e164   string
	name   string
	phone  string
	note   string
	broken bool
}

// customers draws n customers from the pool; with bad, a few are invalid
// (a phone the numbering plan refuses). Draws repeat phones, so a file
// or batch has duplicates of its own.
func (l *load) customers(rng *rand.Rand, n int, bad bool, note string) []customer {
	out := make([]customer, n)
	for i := range out {
		k := rng.IntN(l.cfg.phones)
		e164, written := phone(k, rng)
		out[i] = customer{k: k, e164: e164, phone: written, name: fmt.Sprintf("Lead %d", k), note: note}
	}
	if bad {
		for j := 0; j < 1+rng.IntN(5); j++ {
			i := rng.IntN(n)
			out[i] = customer{k: -1, phone: badPhone(rng), name: "Broken", note: note, broken: true}
		}
	}
	return out
}

func (l *load) addJob(id int64) {
	l.mu.Lock()
	l.jobs = append(l.jobs, id)
	l.mu.Unlock()
}

func (l *load) randomJob(rng *rand.Rand) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.jobs) == 0 {
		return 0
	}
	return l.jobs[rng.IntN(len(l.jobs))]
}

// replay sends an answered request again, with its key, and checks that
// the answer is the first one, replayed. concurrent sends it twice at once.
func (l *load) replay(ctx context.Context, rng *rand.Rand, r request) {
	a, err := l.snd.send(ctx, rng, r)
	if err != nil {
		l.st.unresolved(opReplay, a.retries)
		return
	}
	if !l.keys.record(r.key, a) {
		l.st.failed(opReplay, a.retries, "the answer differs from the first")
		return
	}
	if !a.replayed {
		l.st.failed(opReplay, a.retries, fmt.Sprintf("%s %s: no Idempotent-Replayed header", r.method, r.path))
		return
	}
	l.st.ok(opReplay, a.retries)
}

// sendTwice sends a new request twice at once, with one key: one runs, the
// other waits (409) and then gets its answer. It returns one of the
// answers; both are recorded under the key.
func (l *load) sendTwice(ctx context.Context, rng *rand.Rand, r request) (*answer, error) {
	var a2 *answer
	var err2 error
	done := make(chan struct{})
	rng2 := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	go func() {
		defer close(done)
		a2, err2 = l.snd.send(ctx, rng2, r)
	}()
	a1, err1 := l.snd.send(ctx, rng, r)
	<-done
	if err2 == nil {
		if l.keys.record(r.key, a2) {
			l.st.ok(opReplay, a2.retries)
		} else {
			l.st.failed(opReplay, a2.retries, "two sends of one key got different answers")
		}
	} else {
		l.st.unresolved(opReplay, a2.retries)
	}
	return a1, err1
}

// fileWorker uploads customer files of 200 to 2,000 rows through the API
// and follows each import to its end.
func (l *load) fileWorker(ctx context.Context, rng *rand.Rand) {
	for !l.stopped.Load() && ctx.Err() == nil {
		cp, o := l.pickCampaign(rng)
		o.LoadValid = rng.IntN(2) == 0
		o.DryRun = rng.IntN(20) == 0
		key := "file-" + randomHex(8)
		n := 200 + rng.IntN(1801)
		var csv bytes.Buffer
		csv.WriteString("Name,Phone,Note\r\n")
		for _, c := range l.customers(rng, n, rng.IntN(4) == 0, key) {
			fmt.Fprintf(&csv, "%s,%s,%s\r\n", c.name, c.phone, c.note)
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("campaign_id", strconv.FormatInt(cp.ID, 10))
		mw.WriteField("mapping", `{"name": "Name", "phone": "Phone", "note": "Note"}`)
		ob, _ := json.Marshal(o)
		mw.WriteField("options", string(ob))
		fw, _ := mw.CreateFormFile("file", key+".csv")
		fw.Write(csv.Bytes())
		mw.Close()
		r := request{kind: opFile, method: "POST", path: "/api/imports", token: l.cl.tokens["file"], key: key,
			contentType: mw.FormDataContentType(), body: body.Bytes()}
		a, err := l.snd.send(ctx, rng, r)
		if err != nil {
			l.st.unresolved(opFile, a.retries)
			continue
		}
		l.keys.record(key, a)
		var job struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		}
		if a.status != http.StatusAccepted || json.Unmarshal(a.body, &job) != nil || job.ID == 0 {
			l.st.failed(opFile, a.retries, errorMessage(a))
			continue
		}
		l.st.ok(opFile, a.retries)
		l.mu.Lock()
		l.files = append(l.files, fileSent{key: key, job: job.ID, campaign: cp.ID, rows: n})
		l.mu.Unlock()
		l.addJob(job.ID)
		if rng.IntN(6) == 0 {
			l.replay(ctx, rng, r)
		}
		l.follow(ctx, rng, job.ID)
	}
}

// follow reads an import's progress until it ends, as a client would.
func (l *load) follow(ctx context.Context, rng *rand.Rand, id int64) {
	until := time.Now().Add(30 * time.Second)
	for !l.stopped.Load() && time.Now().Before(until) {
		a, err := l.snd.send(ctx, rng, request{kind: opRead, method: "GET", path: "/api/imports/" + strconv.FormatInt(id, 10), token: l.cl.tokens["read"]})
		if err != nil {
			l.st.unresolved(opRead, a.retries)
			return
		}
		var job struct{ State string }
		if a.status != http.StatusOK || json.Unmarshal(a.body, &job) != nil {
			l.st.failed(opRead, a.retries, errorMessage(a))
			return
		}
		l.st.ok(opRead, a.retries)
		switch job.State {
		case "done", "failed", "cancelled", "undone":
			return
		}
		l.sleep(time.Duration(200+rng.IntN(300)) * time.Millisecond)
	}
}

// addAnswer is the answer to one customer of an add.
type addAnswer struct {
	Index      int    `json:"index"`
	Outcome    string `json:"outcome"`
	CustomerID int64  `json:"customer_id"`
}

// singleWorker adds one customer at a time, each with a key.
func (l *load) singleWorker(ctx context.Context, rng *rand.Rand) {
	for !l.stopped.Load() && ctx.Err() == nil {
		cp, o := l.pickCampaign(rng)
		key := "single-" + randomHex(8)
		c := l.customers(rng, 1, false, key)[0]
		body, _ := json.Marshal(map[string]any{"campaign_id": cp.ID, "options": o,
			"customer": map[string]string{"name": c.name, "phone": c.phone, "note": c.note}})
		r := request{kind: opSingle, method: "POST", path: "/api/customers", token: l.cl.tokens["single"], key: key,
			contentType: "application/json", body: body}
		var a *answer
		var err error
		if rng.IntN(20) == 0 {
			a, err = l.sendTwice(ctx, rng, r)
		} else {
			a, err = l.snd.send(ctx, rng, r)
		}
		if err != nil {
			l.st.unresolved(opSingle, a.retries)
			continue
		}
		l.keys.record(key, a)
		var res struct {
			JobID   int64 `json:"job_id"`
			Applied bool  `json:"applied"`
			addAnswer
		}
		if (a.status != http.StatusOK && a.status != http.StatusCreated) || json.Unmarshal(a.body, &res) != nil || res.JobID == 0 {
			l.st.failed(opSingle, a.retries, errorMessage(a))
			continue
		}
		l.st.ok(opSingle, a.retries)
		l.addJob(res.JobID)
		if res.Applied && (res.Outcome == "added" || res.Outcome == "moved") {
			l.mu.Lock()
			l.acks = append(l.acks, ack{kind: opSingle, key: key, job: res.JobID, campaign: cp.ID, phone: c.e164, customer: res.CustomerID, line: 0})
			l.mu.Unlock()
		}
		if rng.IntN(10) == 0 {
			l.replay(ctx, rng, r)
		}
		l.sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
	}
}

// batchWorker adds batches of 10 to 300 customers, each with a key; some
// first attempts time out on purpose, and are retried with the same key.
func (l *load) batchWorker(ctx context.Context, rng *rand.Rand) {
	for !l.stopped.Load() && ctx.Err() == nil {
		cp, o := l.pickCampaign(rng)
		o.LoadValid = rng.IntN(2) == 0
		o.DryRun = rng.IntN(20) == 0
		key := "batch-" + randomHex(8)
		cs := l.customers(rng, 10+rng.IntN(291), rng.IntN(5) == 0, key)
		list := make([]map[string]string, len(cs))
		for i, c := range cs {
			list[i] = map[string]string{"name": c.name, "phone": c.phone, "note": c.note}
		}
		body, _ := json.Marshal(map[string]any{"campaign_id": cp.ID, "options": o, "customers": list})
		r := request{kind: opBatch, method: "POST", path: "/api/customers/batch", token: l.cl.tokens["batch"], key: key,
			contentType: "application/json", body: body}
		if rng.IntN(5) == 0 {
			r.firstTimeout = time.Duration(20+rng.IntN(300)) * time.Millisecond
		}
		l.mu.Lock()
		l.batches[key] = len(cs)
		l.mu.Unlock()
		var a *answer
		var err error
		if rng.IntN(20) == 0 {
			a, err = l.sendTwice(ctx, rng, r)
		} else {
			a, err = l.snd.send(ctx, rng, r)
		}
		if err != nil {
			l.st.unresolved(opBatch, a.retries)
			continue
		}
		l.keys.record(key, a)
		var res struct {
			JobID   int64       `json:"job_id"`
			Applied bool        `json:"applied"`
			Results []addAnswer `json:"results"`
		}
		if a.status != http.StatusOK || json.Unmarshal(a.body, &res) != nil || res.JobID == 0 || len(res.Results) != len(cs) {
			l.st.failed(opBatch, a.retries, errorMessage(a))
			continue
		}
		l.st.ok(opBatch, a.retries)
		l.addJob(res.JobID)
		if res.Applied {
			l.mu.Lock()
			for _, rr := range res.Results {
				if rr.Outcome == "added" || rr.Outcome == "moved" {
					c := cs[rr.Index]
					l.acks = append(l.acks, ack{kind: opBatch, key: key, job: res.JobID, campaign: cp.ID, phone: c.e164, customer: rr.CustomerID, line: rr.Index})
				}
			}
			l.mu.Unlock()
		}
		if rng.IntN(6) == 0 {
			l.replay(ctx, rng, r)
		}
		l.sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
	}
}

// undoWorker undoes a random finished import now and then.
func (l *load) undoWorker(ctx context.Context, rng *rand.Rand) {
	for !l.stopped.Load() && ctx.Err() == nil {
		l.sleep(time.Duration(800+rng.IntN(2000)) * time.Millisecond)
		id := l.randomJob(rng)
		if id == 0 || l.stopped.Load() {
			continue
		}
		path := "/api/imports/" + strconv.FormatInt(id, 10)
		a, err := l.snd.send(ctx, rng, request{kind: opRead, method: "GET", path: path, token: l.cl.tokens["read"]})
		if err != nil {
			l.st.unresolved(opRead, a.retries)
			continue
		}
		var job struct {
			State   string
			Applied bool
		}
		if a.status != http.StatusOK || json.Unmarshal(a.body, &job) != nil {
			l.st.failed(opRead, a.retries, errorMessage(a))
			continue
		}
		l.st.ok(opRead, a.retries)
		if job.State != "done" || !job.Applied {
			continue
		}
		key := "undo-" + randomHex(8)
		r := request{kind: opUndo, method: "POST", path: path + "/undo", token: l.cl.tokens["undo"], key: key}
		a, err = l.snd.send(ctx, rng, r)
		if err != nil {
			l.st.unresolved(opUndo, a.retries)
			continue
		}
		l.keys.record(key, a)
		if a.status != http.StatusOK {
			l.st.failed(opUndo, a.retries, errorMessage(a))
			continue
		}
		l.st.ok(opUndo, a.retries)
		l.mu.Lock()
		l.undone[id] = true
		l.mu.Unlock()
		if rng.IntN(4) == 0 {
			l.replay(ctx, rng, r)
		}
	}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// uiWorker logs in as the admin and reads pages: campaigns, a campaign,
// an import and its progress, the customers and imports lists of the API.
func (l *load) uiWorker(ctx context.Context, rng *rand.Rand) {
	jar, _ := cookiejar.New(nil)
	ui := &sender{cl: l.cl, loadEnd: l.snd.loadEnd, http: &http.Client{Jar: jar, Transport: l.snd.http.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	loggedIn := false
	for !l.stopped.Load() && ctx.Err() == nil {
		if !loggedIn {
			loggedIn = l.login(ctx, rng, ui)
			continue
		}
		cp := l.cl.campaigns[rng.IntN(len(l.cl.campaigns))]
		var path string
		job := l.randomJob(rng)
		switch n := rng.IntN(5); {
		case n == 0:
			path = "/campaigns"
		case n == 1 || job == 0:
			path = "/campaigns/" + strconv.FormatInt(cp.ID, 10)
		case n == 2:
			path = "/imports/" + strconv.FormatInt(job, 10)
		default:
			path = "/imports/" + strconv.FormatInt(job, 10) + "/progress"
		}
		a, err := ui.send(ctx, rng, request{kind: opUI, method: "GET", path: path})
		switch {
		case err != nil:
			l.st.unresolved(opUI, a.retries)
		case a.status == http.StatusOK:
			l.st.ok(opUI, a.retries)
		default:
			l.st.failed(opUI, a.retries, fmt.Sprintf("GET %s: %d %s", path, a.status, a.header.Get("Location")))
			loggedIn = a.status != http.StatusSeeOther
		}
		// And the API's lists, as an integration reads them.
		q := url.Values{"campaign": {strconv.FormatInt(cp.ID, 10)}, "limit": {"20"}}
		path = "/api/customers?" + q.Encode()
		if rng.IntN(2) == 0 {
			path = "/api/imports?limit=20"
		}
		a, err = l.snd.send(ctx, rng, request{kind: opRead, method: "GET", path: path, token: l.cl.tokens["read"]})
		switch {
		case err != nil:
			l.st.unresolved(opRead, a.retries)
		case a.status == http.StatusOK:
			l.st.ok(opRead, a.retries)
		default:
			l.st.failed(opRead, a.retries, errorMessage(a))
		}
		l.sleep(time.Duration(50+rng.IntN(200)) * time.Millisecond)
	}
}

// login logs the UI client in as the admin the setup created.
func (l *load) login(ctx context.Context, rng *rand.Rand, ui *sender) bool {
	a, err := ui.send(ctx, rng, request{kind: opUI, method: "GET", path: "/login"})
	if err != nil {
		l.st.unresolved(opUI, a.retries)
		return false
	}
	m := csrfInput.FindSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		l.st.failed(opUI, a.retries, fmt.Sprintf("GET /login: %d", a.status))
		l.sleep(time.Second)
		return false
	}
	form := url.Values{"login": {"faults-admin"}, "password": {l.cl.password}, "csrf": {string(m[1])}, "next": {"/campaigns"}}
	a, err = ui.send(ctx, rng, request{kind: opUI, method: "POST", path: "/login", contentType: "application/x-www-form-urlencoded",
		body: []byte(form.Encode())})
	if err != nil {
		l.st.unresolved(opUI, a.retries)
		return false
	}
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/campaigns") {
		l.st.failed(opUI, a.retries, fmt.Sprintf("POST /login: %d %s", a.status, a.header.Get("Location")))
		l.sleep(time.Second)
		return false
	}
	l.st.ok(opUI, a.retries)
	return true
}
