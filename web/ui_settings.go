package web

import (
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
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

// langOption is an interface language as a menu offers it.
type langOption struct {
	Value string // "" for "the account's"
	Label string
	Lang  string // the language the label is written in, for the option's lang
}

// languageOptions are the interface languages, each named in itself.
func languageOptions() []langOption {
	var out []langOption
	for _, l := range i18n.Languages {
		out = append(out, langOption{Value: l, Label: i18n.Name(l), Lang: l})
	}
	return out
}

type settingsPage struct {
	Countries []string
	Zones     []string
	Languages []langOption
	Sample    template.HTML // the sample date, as markup
	Reads     string        // how the sample is read in the account's zone
	UTC       string
}

// The names of weekdays and months, which longDate looks up.
var (
	weekdayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames   = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// longDate writes a time in full in lang, with the weekday, the month's
// name and the zone, such as "Friday 25 December 2026, 14:30 IST
// (UTC+02:00)": no reader can take its day for its month.
func longDate(lang string, t time.Time) string {
	clock := t.Format("15:04 MST (UTC-07:00)")
	if i18n.Dir(lang) == "rtl" {
		clock = "\u2066" + clock + "\u2069" // the clock and zone read left to right
	}
	return i18n.T(lang, "%[1]s %[2]s %[3]s %[4]s, %[5]s",
		i18n.T(lang, weekdayNames[t.Weekday()]), strconv.Itoa(t.Day()), i18n.T(lang, monthNames[t.Month()-1]), strconv.Itoa(t.Year()), clock)
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) error {
	return s.renderSettings(w, r, http.StatusOK, &page{})
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	countries := callsheet.Countries()
	sort.Strings(countries)
	acc := sessionFrom(r).Account
	d := &settingsPage{Countries: countries, Zones: commonTimeZones, Languages: languageOptions(), Sample: template.HTML(`<code dir="ltr">` + SampleDate + `</code>`)}
	if t, err := time.ParseInLocation(DateTimeLayout, SampleDate, acc.Location()); err == nil {
		d.Reads = longDate(langOf(r), t)
		d.UTC = t.UTC().Format("2006-01-02 15:04 UTC")
	}
	p.Title, p.Nav, p.Data = "Settings", "settings", d
	s.render(w, r, status, "settings", p)
	return nil
}

func (s *Server) handleSettingsSave(w http.ResponseWriter, r *http.Request) error {
	sess := sessionFrom(r)
	name, country, tz := r.PostFormValue("name"), r.PostFormValue("country"), r.PostFormValue("time_zone")
	upd := callsheet.AccountUpdate{Name: &name, Country: &country, TimeZone: &tz}
	if _, ok := r.PostForm["language"]; ok {
		lang := r.PostFormValue("language")
		upd.Language = &lang
	}
	acc, err := s.Accounts.UpdateAccount(r.Context(), sess.Account.ID, upd)
	if err != nil {
		return retry(err, func(status int, p *page) error {
			return s.renderSettings(w, r, status, p)
		})
	}
	// The flash speaks the language the next page will: the account's new
	// one, unless the admin chose one of their own.
	lang := userLang(sess.User, acc)
	redirect(w, r, "/admin/settings", i18n.Text(lang, "Settings saved. Dates in files are now read in %s.", acc.TimeZone))
	return nil
}
