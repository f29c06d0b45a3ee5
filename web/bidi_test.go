package web_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The explicit direction controls, as the tests look for them.
const (
	rlo = "\u202e" // RIGHT-TO-LEFT OVERRIDE, closed by PDF
	rle = "\u202b" // RIGHT-TO-LEFT EMBEDDING, closed by PDF
	rli = "\u2067" // RIGHT-TO-LEFT ISOLATE, closed by PDI
	pdf = "\u202c"
	pdi = "\u2069"
)

var bidiControl = regexp.MustCompile("[\u202a-\u202e\u2066-\u2069]")

// isolatingTag matches the start tags whose element, holding nothing but
// the text, keeps that text's direction controls to itself: <bdi>, an
// element with dir, a block (table cells, list items, headings), an
// <option> or <textarea>, which show one value each, or an inline-block
// chip or sample.
var isolatingTag = regexp.MustCompile(`^<(bdi|option|textarea|td|th|li|dd|dt|p|h[1-6]|div)\b|^<[a-z0-9]+ [^>]*(dir="|class="(chip|sample)\b)`)

// leaks lists the text of a page where a direction control shares its
// element with other text or markup, so that what it leaves open could
// reach what follows it; and any control in the <title>. The text an
// isolating element holds must be one of the values under test, whole:
// a name and a last name in one element are two values, not isolated
// from each other.
func leaks(body string, values []string) []string {
	var out []string
	if i, j := strings.Index(body, "<title>"), strings.Index(body, "</title>"); i >= 0 && j > i && bidiControl.MatchString(body[i:j]) {
		out = append(out, "title: "+body[i:j])
	}
	for _, loc := range bidiControl.FindAllStringIndex(body, -1) {
		at := loc[0]
		lt, gt := strings.LastIndex(body[:at], "<"), strings.LastIndex(body[:at], ">")
		if lt > gt || strings.HasPrefix(body[lt:], "<title>") {
			continue // in an attribute's value, or the title, seen above
		}
		start := body[lt : gt+1]
		next := strings.Index(body[at:], "<")
		end := ""
		if next >= 0 {
			end = body[at+next:]
		}
		name := strings.TrimLeft(strings.Fields(strings.Trim(start, "<>"))[0], "/")
		text := strings.TrimSpace(html.UnescapeString(body[gt+1 : at+max(next, 0)]))
		if strings.HasPrefix(start, "</") || !isolatingTag.MatchString(start) || !strings.HasPrefix(end, "</"+name+">") || !(slices.Contains(values, text) || selfIsolated(text)) {
			out = append(out, fmt.Sprintf("%q … %.40q", start, body[gt+1:min(len(body), at+40)]))
		}
	}
	return out
}

// isolatedRun is an isolate (LRI, RLI or FSI up to its PDI) holding no
// other: its PDI closes whatever was opened within it.
var isolatedRun = regexp.MustCompile("[\u2066-\u2068][^\u2066-\u2069]*\u2069")

// selfIsolated reports whether every direction control of text stands
// within an isolate, as the audit log's details are shown.
func selfIsolated(text string) bool {
	for {
		t := isolatedRun.ReplaceAllString(text, "")
		if t == text {
			return !bidiControl.MatchString(t)
		}
		text = t
	}
}

// TestBidiIsolated: user text with direction controls left open (a
// right-to-left override in a campaign's name, a customer's name and last
// name, a status, an agent's name) is isolated wherever a page shows it:
// the title drops the controls, and no control shares its element with
// other text. The CSV export balances each cell and leaves balanced
// cells as they were.
func TestBidiIsolated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newAPIEnvOn(t, db, false)
		f := e.f
		camp := f.Campaign(t, "Spring "+rlo+"sale")
		agent := f.Agent(t, "Dana "+rle+"Levi", true, camp.ID)
		st := &callsheet.Status{Name: "Call " + rli + "back", Kind: callsheet.StatusOpen}
		if err := sqldb.NewStatusService(db).CreateStatus(f.AdminCtx, st); err != nil {
			t.Fatal(err)
		}
		cust := &callsheet.Customer{CampaignID: camp.ID, Name: "Noa" + rlo, LastName: "Co" + rle + "hen", Phone: "+972526234567",
			Note: "balanced " + rlo + "text" + pdf + " stays", StatusID: st.ID, AgentID: agent.ID}
		if err := sqldb.NewCustomerService(db).CreateCustomer(f.AdminCtx, cust); err != nil {
			t.Fatal(err)
		}

		values := []string{camp.Name, agent.Name, agent.Login, st.Name, cust.Name, cust.LastName, cust.Note}
		admin := newClient(t, e.ts.URL)
		admin.login(f.Admin.Login, storetest.Password)
		ag := newClient(t, e.ts.URL)
		ag.login(agent.Login, storetest.Password)
		pages := []struct {
			c    *client
			path string
		}{
			{admin, "/campaigns"}, {admin, fmt.Sprintf("/campaigns/%d", camp.ID)}, {admin, fmt.Sprintf("/campaigns/%d?status=%d", camp.ID, st.ID)},
			{admin, fmt.Sprintf("/customers/%d", cust.ID)}, {admin, "/admin/users"}, {admin, fmt.Sprintf("/admin/users/%d", agent.ID)},
			{admin, "/admin/statuses"}, {admin, fmt.Sprintf("/admin/statuses/%d", st.ID)}, {admin, "/admin/audit"},
			{admin, fmt.Sprintf("/campaigns/%d/edit", camp.ID)}, {admin, fmt.Sprintf("/campaigns/%d/import", camp.ID)},
			{ag, "/work"}, {ag, fmt.Sprintf("/customers/%d", cust.ID)}, {ag, "/me"}, {ag, fmt.Sprintf("/campaigns/%d", camp.ID)},
		}
		for _, p := range pages {
			code, body := p.c.get(p.path)
			if code != http.StatusOK {
				t.Fatalf("%s: %d", p.path, code)
			}
			if !bidiControl.MatchString(body) {
				t.Fatalf("%s shows none of the text under test", p.path)
			}
			for _, l := range leaks(body, values) {
				t.Errorf("%s: not isolated: %s", p.path, l)
			}
		}
		_, body := admin.get(fmt.Sprintf("/campaigns/%d", camp.ID))
		if !strings.Contains(body, "<title>Spring sale · Callsheet</title>") {
			t.Errorf("title: %s", body[strings.Index(body, "<title>"):strings.Index(body, "</title>")])
		}

		resp, err := admin.http.Get(fmt.Sprintf("%s/campaigns/%d/export.csv", e.ts.URL, camp.ID))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rd := csv.NewReader(resp.Body)
		rd.FieldsPerRecord = -1
		recs, err := rd.ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("export: %d records, %v", len(recs), err)
		}
		cells := strings.Join(recs[1], "|")
		for _, want := range []string{"|Noa" + rlo + pdf + "|", "|Co" + rle + "hen" + pdf + "|", "|balanced " + rlo + "text" + pdf + " stays|", "Call " + rli + "back" + pdi} {
			if !strings.Contains("|"+cells+"|", want) {
				t.Errorf("export: no cell %q in %q", want, cells)
			}
		}
	})
}
