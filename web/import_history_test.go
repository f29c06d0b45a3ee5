package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// importRowRE finds the rows of the campaign page's import history.
var importRowRE = regexp.MustCompile(`(?s)<table class="table" id="imports">.*?<tbody>(.*?)</tbody>`)

// historyRows returns the text of each row of the campaign's import
// history, tags stripped.
func historyRows(t *testing.T, body string) []string {
	t.Helper()
	m := importRowRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the campaign page has no import history")
	}
	var rows []string
	for _, tr := range regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`).FindAllStringSubmatch(m[1], -1) {
		rows = append(rows, pageText(tr[1]))
	}
	return rows
}

// pageText is the text of some HTML, tags stripped and spaces collapsed.
func pageText(h string) string {
	text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(h, " ")
	return strings.Join(strings.Fields(html.UnescapeString(text)), " ")
}

// TestSingleAddsHistory adds 100 customers one at a time through the API:
// the campaign's import history shows them as one line, each customer's
// card shows the add that brought it, and each add can still be undone on
// its own. Files and batches keep lines of their own.
func TestSingleAddsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newAPIEnvOn(t, db, false)
		loc := e.f.Account.Location()
		day := time.Now().In(loc).Format("2006-01-02")
		type added struct{ job, customer int64 }
		var adds []added
		for i := 0; i < 100; i++ {
			var res struct {
				JobID      int64 `json:"job_id"`
				CustomerID int64 `json:"customer_id"`
			}
			e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID,
				"customer": map[string]any{"name": fmt.Sprint("Lead ", i), "phone": fmt.Sprintf("052-61%05d", i)}}).want(t, http.StatusCreated).decode(t, &res)
			adds = append(adds, added{res.JobID, res.CustomerID})
		}
		if now := time.Now().In(loc).Format("2006-01-02"); now != day {
			t.Skipf("the day changed while adding (%s to %s); the adds are rightly on two lines", day, now)
		}

		admin := newClient(t, e.ts.URL)
		admin.login(e.f.Admin.Login, storetest.Password)
		_, body := admin.get(fmt.Sprintf("/campaigns/%d", e.camp.ID))
		rows := historyRows(t, body)
		want := "API · integration token · 100 customers today"
		if len(rows) != 1 || !strings.Contains(rows[0], want) || !strings.HasSuffix(rows[0], "One at a time 100 100 0 0") {
			t.Fatalf("history: %q, want one line with %q", rows, want)
		}
		// Every job is still listed by the API.
		var list struct {
			Total int `json:"total"`
		}
		e.get(fmt.Sprintf("/api/imports?campaign=%d&limit=1", e.camp.ID)).want(t, http.StatusOK).decode(t, &list)
		if list.Total != 100 {
			t.Fatalf("the API lists %d imports, want 100", list.Total)
		}

		// Each customer's card ends its history with its add.
		for _, a := range adds {
			code, card := admin.get(fmt.Sprintf("/customers/%d", a.customer))
			if code != http.StatusOK {
				t.Fatalf("card %d: %d", a.customer, code)
			}
			m := regexp.MustCompile(`<tr id="added-by" data-import="(\d+)">(?s)(.*?)</tr>`).FindStringSubmatch(card)
			if m == nil || m[1] != fmt.Sprint(a.job) || !strings.Contains(m[2], "Added through the API") ||
				!strings.Contains(m[2], "API token integration") || !strings.Contains(m[2], fmt.Sprintf(`href="/imports/%d"`, a.job)) {
				t.Fatalf("card of customer %d (import %d) does not show its add: %v", a.customer, a.job, m)
			}
		}

		// One add is undone alone, through the API.
		var undo callsheet.UndoResult
		e.post(fmt.Sprintf("/api/imports/%d/undo", adds[3].job), map[string]any{}).want(t, http.StatusOK).decode(t, &undo)
		if undo.Removed != 1 {
			t.Fatalf("undo removed %d", undo.Removed)
		}
		e.get(fmt.Sprintf("/api/customers/%d", adds[3].customer)).wantError(t, http.StatusNotFound, "not_found")
		e.get(fmt.Sprintf("/api/customers/%d", adds[4].customer)).want(t, http.StatusOK)
		_, body = admin.get(fmt.Sprintf("/campaigns/%d", e.camp.ID))
		if rows := historyRows(t, body); len(rows) != 1 || !strings.HasSuffix(rows[0], "One at a time · 1 undone 100 99 0 0") {
			t.Fatalf("history after one undo: %q", rows)
		}

		// The line leads to the adds, 50 a page, each with its customer
		// and its import.
		link := regexp.MustCompile(`<a href="(/campaigns/\d+/adds\?[^"]+)">API`).FindStringSubmatch(body)
		if link == nil {
			t.Fatal("the history line links nowhere")
		}
		code, list2 := admin.get(html.UnescapeString(link[1]))
		if code != http.StatusOK {
			t.Fatalf("adds page: %d", code)
		}
		if text := pageText(list2); !strings.Contains(text, "API · integration token · 100 customers today") {
			t.Fatalf("adds page: %s", text)
		}
		if n := strings.Count(list2, `<tr data-import=`); n != 50 {
			t.Fatalf("adds page lists %d adds, want 50", n)
		}
		contains(t, list2, fmt.Sprintf(`<a href="/customers/%d" dir="auto"><bdi>Lead 99</bdi>`, adds[99].customer))
		_, page2 := admin.get(html.UnescapeString(link[1]) + "&page=2")
		undone := regexp.MustCompile(fmt.Sprintf(`(?s)<tr data-import="%d">.*?</tr>`, adds[3].job)).FindString(page2)
		if !strings.Contains(undone, "Undone") || strings.Contains(undone, "/customers/") {
			t.Fatalf("the undone add reads %q", undone)
		}

		// A batch keeps a line of its own; an agent's form adds make a
		// line of their own.
		e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "customers": []map[string]any{
			{"name": "B1", "phone": "052-6200001"}, {"name": "B2", "phone": "052-6200002"}}}).want(t, http.StatusOK)
		agent := e.f.Agent(t, "Dana Levi", true, e.camp.ID)
		dana := newClient(t, e.ts.URL)
		dana.login(agent.Login, storetest.Password)
		dana.get(fmt.Sprintf("/campaigns/%d/customers/new", e.camp.ID))
		if code, b, _ := dana.post(fmt.Sprintf("/campaigns/%d/customers/new", e.camp.ID), url.Values{"name": {"Walk-in"}, "phone": {"052-6300001"}}); code != http.StatusSeeOther {
			t.Fatalf("Dana's add: %d %s", code, b)
		}
		_, body = admin.get(fmt.Sprintf("/campaigns/%d", e.camp.ID))
		rows = historyRows(t, body)
		if len(rows) != 3 || !strings.Contains(rows[0], "Add customer form · Dana Levi · 1 customer today") ||
			!strings.Contains(rows[1], "Batch of 2 through the API") || !strings.Contains(rows[2], want) {
			t.Fatalf("history with a batch and a form add: %q", rows)
		}
	})
}
