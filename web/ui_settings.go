package web

import (
	"net/http"
	"sort"
	"time"

	"github.com/callsheet/callsheet"
)

// commonTimeZones are offered as suggestions; any IANA name is accepted.
var commonTimeZones = []string{
	"Asia/Jerusalem", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Moscow", "America/New_York",
	"America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Dubai", "Asia/Kolkata",
	"Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Africa/Johannesburg", "UTC",
}

// SampleDate is the file date the settings page reads, to show the effect
// of the time zone.
const SampleDate = "25-12-2026 14:30"

type settingsPage struct {
	Countries []string
	Zones     []string
	Sample    string
	Reads     string // how the sample is read in the account's zone
	UTC       string
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	s.renderSettings(w, r, http.StatusOK, &page{})
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, p *page) {
	countries := callsheet.Countries()
	sort.Strings(countries)
	acc := sessionFrom(r).Account
	d := &settingsPage{Countries: countries, Zones: commonTimeZones, Sample: SampleDate}
	if t, err := time.ParseInLocation(DateTimeLayout, SampleDate, acc.Location()); err == nil {
		d.Reads = t.Format("Monday 2 January 2006, 15:04 MST (UTC-07:00)")
		d.UTC = t.UTC().Format("2006-01-02 15:04 UTC")
	}
	p.Title, p.Nav, p.Data = "Settings", "settings", d
	s.render(w, r, status, "settings", p)
}

func (s *Server) handleSettingsSave(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	name, country, tz := r.PostFormValue("name"), r.PostFormValue("country"), r.PostFormValue("time_zone")
	acc, err := s.Accounts.UpdateAccount(r.Context(), sess.Account.ID, callsheet.AccountUpdate{Name: &name, Country: &country, TimeZone: &tz})
	if err != nil {
		s.renderSettings(w, r, statusOf(err), formPage("", r, err))
		return
	}
	redirect(w, r, "/admin/settings", "Settings saved. Dates in files are now read in "+acc.TimeZone+".")
}
