package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The campaign, customer, work and do-not-call pages in Hebrew, and phones
// as the account's country writes them: an Israeli account's own numbers
// in national form, others international, in left-to-right elements; the
// links to dial keep E.164, and what the card shows it saves back as it
// was.

const (
	ilPhone = "+972523676050" // shown 052-367-6050 to an Israeli account
	usPhone = "+12125550100"  // shown +1 212-555-0100
)

// hebrewAccount is a fixture whose (Israeli) account speaks Hebrew.
func hebrewAccount(t *testing.T, db *sqldb.DB, name string) *storetest.Fixture {
	t.Helper()
	f := storetest.NewFixture(t, db, name)
	he := "he"
	if _, err := sqldb.NewAccountService(db).UpdateAccount(f.AdminCtx, f.Account.ID, callsheet.AccountUpdate{Language: &he}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCustomerPagesInHebrew(t *testing.T) { eachServer(t, testCustomerPagesInHebrew) }

func testCustomerPagesInHebrew(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
	f := hebrewAccount(t, db, "acme")
	camp := f.Campaign(t, "אביב")
	agent := f.Agent(t, "דנה", true, camp.ID)
	noa := f.Customer(t, camp.ID, "נועה", ilPhone)
	john := f.Customer(t, camp.ID, "John", usPhone)
	cs := sqldb.NewCustomerService(db)
	for _, c := range []*callsheet.Customer{noa, john} {
		if _, err := cs.UpdateCustomer(f.AdminCtx, c.ID, callsheet.CustomerUpdate{AgentID: &agent.ID}); err != nil {
			t.Fatal(err)
		}
	}
	admin := newClient(t, ts.URL)
	admin.login(f.Admin.Login, storetest.Password)

	t.Run("the campaign page", func(t *testing.T) {
		_, body := admin.get(fmt.Sprintf("/campaigns/%d", camp.ID))
		contains(t, body, `<html lang="he" dir="rtl">`)
		contains(t, body, `<td dir="ltr" class="phone">052-367-6050</td>`)
		contains(t, body, `<td dir="ltr" class="phone">+1 212-555-0100</td>`)
		contains(t, body, "<th>טלפון</th>")
		contains(t, body, ">ייצוא CSV</a>")
		contains(t, body, "שני לקוחות")
		lacks(t, body, ilPhone)
	})

	t.Run("the customer card", func(t *testing.T) {
		_, body := admin.get(fmt.Sprintf("/customers/%d", noa.ID))
		contains(t, body, `<html lang="he" dir="rtl">`)
		contains(t, body, `<dd dir="ltr"><a href="tel:+972523676050">052-367-6050</a></dd>`)
		contains(t, body, `value="052-367-6050" required type="tel" dir="ltr"`)
		contains(t, body, "<h2>פרטים</h2>")
		_, body = admin.get(fmt.Sprintf("/customers/%d", john.ID))
		contains(t, body, `<dd dir="ltr"><a href="tel:+12125550100">+1 212-555-0100</a></dd>`)
		contains(t, body, `value="+1 212-555-0100" required type="tel" dir="ltr"`)
	})

	t.Run("the card saves back the phone it shows", func(t *testing.T) {
		for _, c := range []struct {
			c     *callsheet.Customer
			shown string
		}{{noa, "052-367-6050"}, {john, "+1 212-555-0100"}} {
			path := fmt.Sprintf("/customers/%d", c.c.ID)
			admin.get(path)
			code, body, resp := admin.post(path, url.Values{"status": {fmt.Sprint(f.Initial.ID)}, "name": {c.c.Name}, "phone": {c.shown}})
			if code != http.StatusSeeOther {
				t.Fatalf("save %s: %d %s", c.shown, code, body)
			}
			got, _ := cs.FindCustomerByID(f.AdminCtx, c.c.ID)
			if got.Phone != c.c.Phone {
				t.Fatalf("saved %s as %s, want %s", c.shown, got.Phone, c.c.Phone)
			}
			_, body = admin.get(resp.Header.Get("Location"))
			contains(t, body, "הלקוח נשמר.")
		}
	})

	t.Run("a date field's error and picker", func(t *testing.T) {
		path := fmt.Sprintf("/customers/%d", noa.ID)
		admin.get(path)
		code, body, _ := admin.post(path, url.Values{"status": {fmt.Sprint(f.Initial.ID)}, "follow_up_at": {"31-02-2026 10:00"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("31 February: %d", code)
		}
		contains(t, body, "תאריך פולואפ: אין יום 31 בפברואר 2026.")
		contains(t, body, `value="31-02-2026 10:00"`)
		contains(t, body, `data-months="ינואר|פברואר|מרץ|`)
		contains(t, body, `data-weekdays="א׳|ב׳|ג׳|ד׳|ה׳|ו׳|ש׳"`)
		contains(t, body, `data-first-day="0"`)
		contains(t, body, `data-previous-month="החודש הקודם"`)
		contains(t, body, `placeholder="DD-MM-YYYY HH:MM"`)
	})

	t.Run("the work list", func(t *testing.T) {
		ag := newClient(t, ts.URL)
		ag.login(agent.Login, storetest.Password)
		_, body := ag.get("/work")
		contains(t, body, `<html lang="he" dir="rtl">`)
		contains(t, body, `<td dir="ltr" class="phone"><a href="tel:+972523676050">052-367-6050</a></td>`)
		contains(t, body, `<td dir="ltr" class="phone"><a href="tel:+12125550100">+1 212-555-0100</a></td>`)
		contains(t, body, "<h1>הלקוחות שלי</h1>")
	})

	t.Run("the do-not-call register", func(t *testing.T) {
		admin.get("/admin/dnc")
		code, _, resp := admin.post("/admin/dnc", url.Values{"phone": {"052-367-6050"}, "reason": {"ביקש בטלפון"}})
		if code != http.StatusSeeOther {
			t.Fatalf("add: %d", code)
		}
		_, body := admin.get(resp.Header.Get("Location"))
		contains(t, body, "לא יתקשרו אל \u2068052-367-6050\u2069")
		contains(t, body, `<td dir="ltr" class="phone">052-367-6050</td>`)
		contains(t, body, `href="/admin/dnc?remove=%2b972523676050"`)
		contains(t, body, "טלפון אחד")
		_, body = admin.get("/admin/dnc?remove=" + url.QueryEscape(ilPhone))
		contains(t, body, `להסיר את <bdi dir="ltr">052-367-6050</bdi> מהרשימה?`)
		contains(t, body, "אפשר יהיה להתקשר שוב ללקוח אחד עם הטלפון הזה.")
		_, body = admin.get(fmt.Sprintf("/customers/%d", noa.ID))
		contains(t, body, `הטלפון <bdi dir="ltr">052-367-6050</bdi> ברשימת אל תתקשרו מאז`)
	})
}

// TestCampaignExportLanguages: the interface's CSV export is for people:
// headers in the reader's language, phones and dates as the pages show
// them, and cells a spreadsheet would run still neutralised.
func TestCampaignExportLanguages(t *testing.T) { eachServer(t, testCampaignExportLanguages) }

func testCampaignExportLanguages(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
	export := func(t *testing.T, f *storetest.Fixture, campaignID int64) [][]string {
		t.Helper()
		admin := newClient(t, ts.URL)
		admin.login(f.Admin.Login, storetest.Password)
		code, body := admin.get(fmt.Sprintf("/campaigns/%d/export.csv", campaignID))
		if code != http.StatusOK {
			t.Fatalf("export: %d", code)
		}
		if !strings.HasPrefix(body, "\ufeff") {
			t.Fatalf("no byte-order mark: %q", body[:min(len(body), 20)])
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("export: %v\n%s", err, body)
		}
		return recs
	}
	date := regexp.MustCompile(`^\d\d-\d\d-\d{4} \d\d:\d\d$`)

	t.Run("Hebrew", func(t *testing.T) {
		f := hebrewAccount(t, db, "acme")
		camp := f.Campaign(t, "אביב")
		f.Customer(t, camp.ID, "נועה", ilPhone)
		f.Customer(t, camp.ID, "=HYPERLINK(\"http://evil\")", usPhone)
		recs := export(t, f, camp.ID)
		if len(recs) != 3 {
			t.Fatalf("%d records: %q", len(recs), recs)
		}
		if got := strings.Join(recs[0][:4], ","); got != "שם,שם משפחה,טלפון,אימייל" {
			t.Fatalf("header %q", recs[0])
		}
		if recs[1][0] != "נועה" || recs[1][2] != "052-367-6050" || !date.MatchString(recs[1][6]) || recs[1][12] != "לא" {
			t.Fatalf("row %q", recs[1])
		}
		if recs[2][0] != `'=HYPERLINK("http://evil")` || recs[2][2] != "+1 212-555-0100" {
			t.Fatalf("row %q", recs[2])
		}
	})

	t.Run("English", func(t *testing.T) {
		f := storetest.NewFixture(t, db, "beta")
		camp := f.Campaign(t, "Spring")
		f.Customer(t, camp.ID, "Noa", ilPhone)
		recs := export(t, f, camp.ID)
		if got := strings.Join(recs[0], ","); !strings.HasPrefix(got, "Name,Last name,Phone,Email,Agent,Follow-up,Created,Source,Notes,CRM id,Status,Contact allowed,Blocked") {
			t.Fatalf("header %q", recs[0])
		}
		if recs[1][2] != "052-367-6050" || !date.MatchString(recs[1][6]) || recs[1][12] != "No" {
			t.Fatalf("row %q", recs[1])
		}
		// The page is English, with the same phones.
		admin := newClient(t, ts.URL)
		admin.login(f.Admin.Login, storetest.Password)
		_, body := admin.get(fmt.Sprintf("/campaigns/%d", camp.ID))
		contains(t, body, `<html lang="en" dir="ltr">`)
		contains(t, body, `<td dir="ltr" class="phone">052-367-6050</td>`)
		contains(t, body, "<th>Phone</th>")
		contains(t, body, "1 customer")
	})
}
