package callsheet

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callsheet/callsheet/i18n"
)

// Account is one company using Callsheet (a tenant). Every other object
// belongs to exactly one account, and nothing ever crosses accounts.
type Account struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Country   string    `json:"country"`   // ISO 3166 alpha-2, the default phone region
	TimeZone  string    `json:"time_zone"` // IANA name; file dates are read in it
	Language  string    `json:"language"`  // the interface's default language: en or he
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the account's fields and normalises the country's case.
func (a *Account) Validate() error {
	f := map[string]Message{}
	a.Name = strings.TrimSpace(a.Name)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.TimeZone = strings.TrimSpace(a.TimeZone)
	if a.Name == "" {
		f["name"] = Msg("Account name is required.")
	} else if utf8.RuneCountInString(a.Name) > 200 {
		f["name"] = Msg("Account name is longer than 200 characters.")
	}
	checkTextMsg(f, "name", Msg("Account name"), a.Name, false)
	if !ValidCountry(a.Country) {
		f["country"] = Msg("Country must be a two-letter ISO 3166 code with a telephone region, such as IL or US.")
	}
	if a.Language == "" {
		a.Language = i18n.ForCountry(a.Country)
	}
	if !i18n.Supported(a.Language) {
		f["language"] = Msg("Language must be en (English) or he (Hebrew).")
	}
	if _, err := LoadLocation(a.TimeZone); err != nil {
		f["time_zone"] = Msg("Time zone must be an IANA name such as Asia/Jerusalem.")
	}
	return FieldErrorMsgs(f)
}

// Location returns the account's time zone, or UTC if it cannot be loaded.
func (a *Account) Location() *time.Location {
	loc, err := LoadLocation(a.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// LoadLocation loads an IANA time zone, refusing the empty name and "Local",
// which time.LoadLocation accepts but which mean nothing for an account.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, Errorf(EINVALID, "Unknown time zone %s.", strconv.Quote(name))
	}
	return time.LoadLocation(name)
}

// AccountUpdate holds the fields of an account that can change.
type AccountUpdate struct {
	Name     *string
	Country  *string
	TimeZone *string
	Language *string
}

// AccountFilter narrows FindAccounts.
type AccountFilter struct {
	ID     *int64
	Name   *string
	Offset int
	Limit  int
}

// AccountService manages accounts.
type AccountService interface {
	// FindAccountByID returns an account. An actor sees only its own account;
	// the operator sees any. Returns ENOTFOUND.
	FindAccountByID(ctx context.Context, id int64) (*Account, error)

	// FindAccounts returns accounts matching the filter and their total.
	// Actors see only their own account.
	FindAccounts(ctx context.Context, filter AccountFilter) ([]*Account, int, error)

	// CreateAccount creates an account with the default statuses.
	// Operator only. Returns EINVALID, ECONFLICT (name taken), EFORBIDDEN.
	CreateAccount(ctx context.Context, a *Account) error

	// UpdateAccount changes the settings of the actor's account.
	// Admins only. Returns EINVALID, ENOTFOUND, EFORBIDDEN.
	UpdateAccount(ctx context.Context, id int64, upd AccountUpdate) (*Account, error)
}
