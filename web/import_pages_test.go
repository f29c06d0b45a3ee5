package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// TestImportPagesAccess: import pages are for admins of the account only.
func TestImportPagesAccess(t *testing.T) { eachServer(t, testImportPagesAccess) }

func testImportPagesAccess(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
	a := storetest.NewFixture(t, db, "alpha")
	b := storetest.NewFixture(t, db, "beta")
	aCamp, bCamp := a.Campaign(t, "A"), b.Campaign(t, "B")
	svc := app.Services(db, nil)
	bJob := &callsheet.ImportJob{CampaignID: bCamp.ID, FileName: "b.csv", State: callsheet.ImportDraft}
	if err := svc.Imports.CreateImport(b.AdminCtx, bJob, strings.NewReader("Name,Phone\nB,052-623-4567\n")); err != nil {
		t.Fatal(err)
	}
	aJob := &callsheet.ImportJob{CampaignID: aCamp.ID, FileName: "a.csv", State: callsheet.ImportDraft}
	if err := svc.Imports.CreateImport(a.AdminCtx, aJob, strings.NewReader("Name,Phone\nA,052-623-4567\n")); err != nil {
		t.Fatal(err)
	}
	agent := a.Agent(t, "Agent", true, aCamp.ID)

	admin := newClient(t, ts.URL)
	admin.login(a.Admin.Login, storetest.Password)
	for _, p := range []string{
		fmt.Sprintf("/imports/%d", bJob.ID), fmt.Sprintf("/imports/%d/mapping", bJob.ID), fmt.Sprintf("/imports/%d/problems.csv", bJob.ID),
		fmt.Sprintf("/campaigns/%d/import", bCamp.ID), fmt.Sprintf("/campaigns/%d/export.csv", bCamp.ID),
	} {
		if code, _ := admin.get(p); code != http.StatusNotFound {
			t.Errorf("admin of A: GET %s = %d, want 404", p, code)
		}
	}
	for _, p := range []string{fmt.Sprintf("/imports/%d/undo", bJob.ID), fmt.Sprintf("/imports/%d/cancel", bJob.ID), fmt.Sprintf("/imports/%d/run", bJob.ID)} {
		if code, _, _ := admin.post(p, nil); code != http.StatusNotFound {
			t.Errorf("admin of A: POST %s = %d, want 404", p, code)
		}
	}
	code, body := admin.get(fmt.Sprintf("/imports/%d/mapping", aJob.ID))
	if code != http.StatusOK || !strings.Contains(body, `value="Phone" selected`) {
		t.Fatalf("own mapping page: %d", code)
	}

	ag := newClient(t, ts.URL)
	ag.login(agent.Login, storetest.Password)
	for _, p := range []string{fmt.Sprintf("/imports/%d", aJob.ID), fmt.Sprintf("/campaigns/%d/import", aCamp.ID), fmt.Sprintf("/campaigns/%d/export.csv", aCamp.ID)} {
		if code, _ := ag.get(p); code != http.StatusForbidden {
			t.Errorf("agent: GET %s = %d, want 403", p, code)
		}
	}
}

// TestExportNeutralisesFormulas: a cell a spreadsheet would run comes out
// inert in the campaign's CSV export, and Hebrew survives.
func TestExportNeutralisesFormulas(t *testing.T) { eachServer(t, testExportNeutralisesFormulas) }

func testExportNeutralisesFormulas(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Spring")
	c := &callsheet.Customer{CampaignID: camp.ID, Name: "=HYPERLINK(\"http://evil\",\"x\")", LastName: "כהן", Phone: "+972526234567", Note: "@SUM(1+1)"}
	if err := app.Services(db, nil).Customers.CreateCustomer(f.AdminCtx, c); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, ts.URL)
	cl.login(f.Admin.Login, storetest.Password)
	code, body := cl.get(fmt.Sprintf("/campaigns/%d/export.csv", camp.ID))
	if code != http.StatusOK {
		t.Fatalf("export: %d", code)
	}
	// The interface's export is for people: headers in words, the phone
	// as the account's country writes it.
	if !strings.HasPrefix(body, "\ufeffName,Last name,Phone") {
		t.Fatalf("export header: %q", body[:40])
	}
	for _, want := range []string{`"'=HYPERLINK(""http://evil"",""x"")"`, "כהן", "052-623-4567", "'@SUM(1+1)"} {
		if !strings.Contains(body, want) {
			t.Errorf("export lacks %s:\n%s", want, body)
		}
	}
}

// wizardServerOn is a server on the database whose import workers run, so
// that the wizard's previews and imports finish.
func wizardServerOn(t *testing.T, db *sqldb.DB) (*httptest.Server, *sqldb.DB, web.Services) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.Services(db, logger)
	imp := app.Importer(svc)
	imp.Poll = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	imp.Start(ctx)
	t.Cleanup(func() { cancel(); imp.Wait() })
	ts := httptest.NewServer(web.NewServer(svc, logger).Handler())
	t.Cleanup(ts.Close)
	return ts, db, svc
}

// uploadFile sends a file through the wizard's first step and returns the
// import's id, from the redirect to its mapping step.
func (c *client) uploadFile(campaignID int64, name, content string, fields map[string]string) int64 {
	c.t.Helper()
	c.get(fmt.Sprintf("/campaigns/%d/import", campaignID))
	if fields == nil {
		fields = map[string]string{}
	}
	fields["csrf"] = c.csrf
	if fields["unique"] == "" {
		fields["unique"] = "any"
	}
	body, ctype := upload(c.t, name, content, fields)
	resp, err := c.http.Post(fmt.Sprintf("%s/campaigns/%d/import", c.base, campaignID), ctype, strings.NewReader(string(body)))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var id int64
	if _, err := fmt.Sscanf(resp.Header.Get("Location"), "/imports/%d/mapping", &id); err != nil || resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("upload %s: %d %s\n%s", name, resp.StatusCode, resp.Header.Get("Location"), b)
	}
	return id
}

// mappingForm reads the mapping step's form as the browser would send it:
// every select with its selected option.
func mappingForm(t *testing.T, body string) url.Values {
	t.Helper()
	form := url.Values{}
	sel := regexp.MustCompile(`(?s)<select id="([^"]+)" name="((?:map|col)_[^"]+)"[^>]*>(.*?)</select>`)
	opt := regexp.MustCompile(`<option value="([^"]*)" selected>`)
	for _, m := range sel.FindAllStringSubmatch(body, -1) {
		v := ""
		if o := opt.FindStringSubmatch(m[3]); o != nil {
			v = html.UnescapeString(o[1])
		}
		form.Set(m[2], v)
	}
	if len(form) == 0 {
		t.Fatal("no mapping form on the page")
	}
	return form
}

// waitImport waits for an import to finish and returns it.
func waitImport(t *testing.T, svc web.Services, ctx context.Context, id int64) *callsheet.ImportJob {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := svc.Imports.FindImport(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State.Finished() {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d is still %s", id, j.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// visibleText is a page's text as people read it, without its markup.
func visibleText(body string) string {
	body = regexp.MustCompile(`</?(bdi|b|code)>`).ReplaceAllString(body, "")
	body = regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`).ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(body)), " ")
}

// TestImportUnmatchedColumns: the mapping step lists the columns no field
// takes; one is made a new custom field there, one is left out, and the
// preview and report repeat the column left out.
func TestImportUnmatchedColumns(t *testing.T) { storetest.Each(t, testImportUnmatchedColumns) }

func testImportUnmatchedColumns(t *testing.T, db *sqldb.DB) {
	ts, _, svc := wizardServerOn(t, db)
	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Spring")
	f.Agent(t, "דנה לוי", false, camp.ID)
	admin := newClient(t, ts.URL)
	admin.login(f.Admin.Login, storetest.Password)

	file := "שם,טלפון,סוכן,עיר,תקציב\nמשה כהן,052-623-4567,דנה לוי,חיפה,5000\n"
	id := admin.uploadFile(camp.ID, "לקוחות.csv", file, nil)
	code, body := admin.get(fmt.Sprintf("/imports/%d/mapping", id))
	if code != http.StatusOK {
		t.Fatalf("mapping step: %d", code)
	}
	form := mappingForm(t, body)
	if form.Get("map_agent") != "סוכן" || form.Get("map_phone") != "טלפון" || form.Get("map_name") != "שם" {
		t.Fatalf("suggested %v", form)
	}
	text := visibleText(body)
	if !strings.Contains(text, "Not imported: עיר, תקציב") {
		t.Fatalf("the mapping step does not list the columns left out:\n%s", text)
	}
	if !strings.Contains(text, "suggested from the column names") {
		t.Error("the suggestion does not say where it came from")
	}

	// A choice the server refuses is shown beside the column.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("col_3", "field:custom_field_999")
	code, body, _ = admin.post(fmt.Sprintf("/imports/%d/mapping", id), bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(stripIsolates(html.UnescapeString(body)), `Column "עיר" cannot be matched`) {
		t.Fatalf("a field that is not there: %d\n%s", code, visibleText(body))
	}

	form.Set("col_3", "new:text") // עיר becomes a field; תקציב is left out
	code, _, resp := admin.post(fmt.Sprintf("/imports/%d/mapping", id), form)
	if code != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/imports/%d", id) {
		t.Fatalf("save the mapping: %d %s", code, resp.Header.Get("Location"))
	}
	fields, err := svc.CustomFields.FindCustomFields(f.AdminCtx)
	if err != nil || len(fields) != 1 || fields[0].Label != "עיר" || fields[0].Type != callsheet.FieldText {
		t.Fatalf("custom fields: %+v %v", fields, err)
	}
	job := waitImport(t, svc, f.AdminCtx, id)
	if job.Mapping[fields[0].Key()] != "עיר" || job.Mapping["agent"] != "סוכן" {
		t.Fatalf("the import's mapping: %v", job.Mapping)
	}
	_, body = admin.get(fmt.Sprintf("/imports/%d", id))
	if text := visibleText(body); !strings.Contains(text, "Would not be imported: תקציב (no field takes this column)") {
		t.Fatalf("the preview does not repeat the column left out:\n%s", text)
	}
	admin.post(fmt.Sprintf("/imports/%d/run", id), nil)
	job = waitImport(t, svc, f.AdminCtx, id)
	if !job.Applied || job.Counts.Added != 1 {
		t.Fatalf("import: %+v", job)
	}
	_, body = admin.get(fmt.Sprintf("/imports/%d", id))
	if text := visibleText(body); !strings.Contains(text, "Not imported: תקציב (no field takes this column)") {
		t.Fatalf("the report does not repeat the column left out:\n%s", text)
	}
	cs, _, err := svc.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID})
	if err != nil || len(cs) != 1 || cs[0].Custom[fields[0].ID] != "חיפה" || cs[0].AgentID == 0 {
		t.Fatalf("customers: %+v %v", cs, err)
	}

	// A column made a field when a field of that label exists uses it.
	id = admin.uploadFile(camp.ID, "again.csv", "Phone,Name,עִיר,Budget\n052-623-4568,Avi,תל אביב,1\n", nil)
	_, body = admin.get(fmt.Sprintf("/imports/%d/mapping", id))
	form = mappingForm(t, body)
	if form.Get("map_"+fields[0].Key()) != "עִיר" {
		t.Fatalf("the custom field is not matched by its label: %v", form)
	}
	form.Set("map_"+fields[0].Key(), "")
	form.Set("col_2", "new:text")
	if code, body, _ := admin.post(fmt.Sprintf("/imports/%d/mapping", id), form); code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", code, visibleText(body))
	}
	if fields, _ := svc.CustomFields.FindCustomFields(f.AdminCtx); len(fields) != 1 {
		t.Fatalf("a second field of the same label: %+v", fields)
	}
}

// TestImportRemembersMapping: the mapping the admin chose is offered again
// for a file with the same columns, in another campaign, in another order
// and spelling, saying where it came from; also when the first import was
// only previewed.
func TestImportRemembersMapping(t *testing.T) { storetest.Each(t, testImportRemembersMapping) }

func testImportRemembersMapping(t *testing.T, db *sqldb.DB) {
	ts, _, svc := wizardServerOn(t, db)
	f := storetest.NewFixture(t, db, "acme")
	spring, summer := f.Campaign(t, "Spring"), f.Campaign(t, "Summer")
	admin := newClient(t, ts.URL)
	admin.login(f.Admin.Login, storetest.Password)

	id := admin.uploadFile(spring.ID, "a.csv", "Full Name,Mobile,Extra,Remarks\nDana,052-623-4567,x,y\n", nil)
	_, body := admin.get(fmt.Sprintf("/imports/%d/mapping", id))
	form := mappingForm(t, body)
	if form.Get("map_note") != "Remarks" {
		t.Fatalf("suggested %v", form)
	}
	// The admin's own choice: notes from Extra, Remarks left out.
	form.Set("map_note", "Extra")
	if code, _, _ := admin.post(fmt.Sprintf("/imports/%d/mapping", id), form); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	waitImport(t, svc, f.AdminCtx, id) // only previewed, never imported

	id2 := admin.uploadFile(summer.ID, "b.csv", "remarks,EXTRA,mobile,full_name\n,,052-623-4567,Dana\n", nil)
	_, body = admin.get(fmt.Sprintf("/imports/%d/mapping", id2))
	form = mappingForm(t, body)
	if form.Get("map_note") != "EXTRA" || form.Get("map_phone") != "mobile" || form.Get("map_name") != "full_name" {
		t.Fatalf("the remembered mapping is not offered: %v", form)
	}
	day := time.Now().In(f.Account.Location()).Format("02-01-2006")
	if text := visibleText(body); !strings.Contains(text, "as you matched these columns on "+day) {
		t.Fatalf("the page does not say where the mapping came from:\n%s", text)
	}

	// Another set of columns gets the suggestion.
	id3 := admin.uploadFile(summer.ID, "c.csv", "Full Name,Mobile,Remarks\nDana,052-623-4567,y\n", nil)
	_, body = admin.get(fmt.Sprintf("/imports/%d/mapping", id3))
	if form := mappingForm(t, body); form.Get("map_note") != "Remarks" || !strings.Contains(body, "suggested from the column names") {
		t.Fatalf("another file got %v", form)
	}
}

// TestImportRefusedPage: an import refused for its invalid rows reads as
// what would have happened, offers to load the other rows from the stored
// file, and shows in the campaign's list as refused; outcomes are in
// words, not codes.
func TestImportRefusedPage(t *testing.T) { storetest.Each(t, testImportRefusedPage) }

func testImportRefusedPage(t *testing.T, db *sqldb.DB) {
	ts, _, svc := wizardServerOn(t, db)
	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Spring")
	f.Customer(t, camp.ID, "Here already", "+972526234567")
	admin := newClient(t, ts.URL)
	admin.login(f.Admin.Login, storetest.Password)

	file := "Name,Phone\nHere already,052-623-4567\nNew One,052-623-4568\nNew Two,052-623-4569\nDup,052-623-4569\nBad,050-123-4567\n"
	id := admin.uploadFile(camp.ID, "refused.csv", file, nil)
	_, body := admin.get(fmt.Sprintf("/imports/%d/mapping", id))
	form := mappingForm(t, body)
	form.Set("unique", "any")
	admin.post(fmt.Sprintf("/imports/%d/mapping", id), form)
	waitImport(t, svc, f.AdminCtx, id)
	// Import without loading the valid rows: refused.
	admin.post(fmt.Sprintf("/imports/%d/run", id), nil)
	job := waitImport(t, svc, f.AdminCtx, id)
	if job.Applied || job.Counts.Invalid != 1 || job.Counts.Added != 2 {
		t.Fatalf("refused import: %+v", job)
	}
	_, body = admin.get(fmt.Sprintf("/imports/%d", id))
	text := visibleText(body)
	for _, want := range []string{"Nothing was written", "Would add 2", "Already here, would be skipped 1", "Duplicate in the file 1",
		"load the other 4 rows now", "Load the other 4 rows"} {
		if !strings.Contains(text, want) {
			t.Errorf("the refused page lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"Added 2", "skipped_existing", "duplicate_in_file"} {
		if strings.Contains(text, bad) {
			t.Errorf("the refused page says %q:\n%s", bad, text)
		}
	}
	_, body = admin.get(fmt.Sprintf("/campaigns/%d", camp.ID))
	if text := visibleText(body); !strings.Contains(text, "Refused: nothing written 5 would add 2") {
		t.Errorf("the campaign's imports do not show the refused import as such:\n%s", text)
	}

	// Load the other rows: a new import of the same stored file.
	code, _, resp := admin.post(fmt.Sprintf("/imports/%d/run", id), nil)
	var next int64
	if _, err := fmt.Sscanf(resp.Header.Get("Location"), "/imports/%d", &next); err != nil || code != http.StatusSeeOther || next == id {
		t.Fatalf("load the other rows: %d %q", code, resp.Header.Get("Location"))
	}
	again := waitImport(t, svc, f.AdminCtx, next)
	if !again.Applied || again.Counts.Added != 2 || again.Counts.Invalid != 1 || !again.Options.LoadValid || again.FileName != "refused.csv" {
		t.Fatalf("loaded again: %+v", again)
	}
	_, body = admin.get(fmt.Sprintf("/imports/%d", next))
	text = visibleText(body)
	for _, want := range []string{"Done", "Added 2", "Already here, skipped 1", "Duplicate in the file"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "skipped_existing") || strings.Contains(text, "duplicate_in_file") {
		t.Errorf("the report speaks in codes:\n%s", text)
	}
	_, body = admin.get(fmt.Sprintf("/campaigns/%d", camp.ID))
	if text := visibleText(body); !strings.Contains(text, "Refused: nothing written") || !strings.Contains(text, "Done 5 2 0 1") {
		t.Errorf("the campaign's imports:\n%s", text)
	}
	// The first import stays refused; it is not loaded twice.
	if code, _, _ := admin.post(fmt.Sprintf("/imports/%d/run", next), nil); code != http.StatusConflict {
		t.Errorf("running an applied import again: %d", code)
	}
}
