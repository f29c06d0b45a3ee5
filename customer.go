package callsheet

import (
	"context"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// System field names: how files, the API and exports name a customer's
// fields. Custom fields are named by their label in files and by
// custom_field_<id> in the API.
const (
	FieldName       = "name"
	FieldLastName   = "last_name"
	FieldPhone      = "phone"
	FieldEmail      = "email"
	FieldAgent      = "agent"
	FieldFollowUpAt = "follow_up_at"
	FieldCreatedAt  = "created_at"
	FieldSource     = "source"
	FieldNote       = "note"
	FieldExternalID = "external_id"
)

// SystemFields lists the system fields in the order forms show them.
var SystemFields = []string{
	FieldName, FieldLastName, FieldPhone, FieldEmail, FieldAgent,
	FieldFollowUpAt, FieldCreatedAt, FieldSource, FieldNote, FieldExternalID,
}

// SystemFieldLabels are the English labels of the system fields. Each is
// a catalogue key, so a message names a field by Msg(label) in the
// reader's language.
var SystemFieldLabels = map[string]string{
	FieldName:       "Name",
	FieldLastName:   "Last name",
	FieldPhone:      "Phone",
	FieldEmail:      "Email",
	FieldAgent:      "Agent",
	FieldFollowUpAt: "Follow-up date",
	FieldCreatedAt:  "Original creation date",
	FieldSource:     "Source",
	FieldNote:       "Note",
	FieldExternalID: "CRM id",
}

// IsSystemField reports whether name is a system field name.
func IsSystemField(name string) bool {
	for _, f := range SystemFields {
		if f == name {
			return true
		}
	}
	return false
}

// Customer is a person in a campaign. Phone, in E.164, is its natural key
// inside the campaign.
type Customer struct {
	ID               int64            `json:"id"`
	AccountID        int64            `json:"account_id"`
	CampaignID       int64            `json:"campaign_id"`
	Name             string           `json:"name"`
	LastName         string           `json:"last_name"`
	Phone            string           `json:"phone"`
	Email            string           `json:"email"`
	Source           string           `json:"source"`
	Note             string           `json:"note"`
	ExternalID       string           `json:"external_id"`
	StatusID         int64            `json:"status_id"`
	AgentID          int64            `json:"agent_id,omitempty"` // zero: unassigned
	FollowUpAt       *time.Time       `json:"follow_up_at"`
	CreatedAt        time.Time        `json:"created_at"` // the original creation date
	ContactAllowedAt *time.Time       `json:"contact_allowed_at"`
	Custom           map[int64]string `json:"custom,omitempty"`
	UpdatedAt        time.Time        `json:"updated_at"`
	Version          int64            `json:"version"`

	// Blocked is computed: the phone's do-not-call request is newer than
	// the contact-allowed date.
	Blocked bool `json:"blocked"`
}

// Length limits of customer text fields, in characters.
const (
	MaxNameLength  = 200
	MaxEmailLength = 254
	MaxNoteLength  = 20000
	MaxTextLength  = 500 // source, external id, custom values
)

// ValidE164 reports whether p looks like an E.164 number: a plus and 8 to 15
// digits, the first not zero. Whether the number exists is the phone
// normaliser's business; the domain only keeps malformed values out.
func ValidE164(p string) bool {
	if len(p) < 9 || len(p) > 16 || p[0] != '+' || p[1] == '0' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// ValidEmail reports whether s is a plain email address.
func ValidEmail(s string) bool {
	if len(s) > MaxEmailLength || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// Validate checks a customer's fields and trims its text.
func (c *Customer) Validate() error {
	f := map[string]Message{}
	c.Name = strings.TrimSpace(c.Name)
	c.LastName = strings.TrimSpace(c.LastName)
	c.Email = strings.TrimSpace(c.Email)
	c.Source = strings.TrimSpace(c.Source)
	c.ExternalID = strings.TrimSpace(c.ExternalID)
	c.Note = strings.TrimSpace(c.Note)
	for _, t := range []struct {
		field, v  string
		multiline bool
	}{{FieldName, c.Name, false}, {FieldLastName, c.LastName, false}, {FieldEmail, c.Email, false},
		{FieldSource, c.Source, false}, {FieldExternalID, c.ExternalID, false}, {FieldNote, c.Note, true}} {
		checkTextMsg(f, t.field, Msg(SystemFieldLabels[t.field]), t.v, t.multiline)
	}
	for id, v := range c.Custom {
		key := "custom_field_" + strconv.FormatInt(id, 10)
		checkTextMsg(f, key, Msg("Custom field %s", strconv.FormatInt(id, 10)), v, true)
	}
	if c.Name == "" {
		f[FieldName] = Msg("Name is required.")
	}
	checkLen(f, FieldName, c.Name, MaxNameLength)
	checkLen(f, FieldLastName, c.LastName, MaxNameLength)
	if !ValidE164(c.Phone) {
		f[FieldPhone] = Msg("Phone must be a valid number.")
	}
	if _, bad := f[FieldEmail]; !bad && c.Email != "" && !ValidEmail(c.Email) {
		f[FieldEmail] = Msg("Email %s is not a valid address.", c.Email)
	}
	checkLen(f, FieldSource, c.Source, MaxTextLength)
	checkLen(f, FieldExternalID, c.ExternalID, MaxTextLength)
	checkLen(f, FieldNote, c.Note, MaxNoteLength)
	if c.CampaignID == 0 {
		f["campaign"] = Msg("Campaign is required.")
	}
	return FieldErrorMsgs(f)
}

// checkLen records a field error when v is longer than max characters and
// the field has no error yet; the message names the field by its label.
func checkLen(f map[string]Message, field, v string, max int) {
	if _, ok := f[field]; !ok && utf8.RuneCountInString(v) > max {
		f[field] = Msg("%s is longer than %d characters.", Msg(SystemFieldLabels[field]), max)
	}
}

// CustomerSort orders FindCustomers.
type CustomerSort string

// Sort orders of customers.
const (
	SortNewest   CustomerSort = "newest"    // by id, newest first (default)
	SortOldest   CustomerSort = "oldest"    // by id, oldest first
	SortName     CustomerSort = "name"      // by name
	SortFollowUp CustomerSort = "follow_up" // due follow-ups first, then newest
	SortUpdated  CustomerSort = "updated"   // recently changed first
)

// CustomerFilter narrows FindCustomers.
type CustomerFilter struct {
	ID         *int64
	AfterID    *int64 // only customers with a greater id, for paging through everything
	CampaignID *int64
	StatusID   *int64
	AgentID    *int64 // a pointer to zero finds unassigned customers
	Phone      *string
	Text       *string // a part of the name, last name, phone or email
	Blocked    *bool
	// Callable finds the customers an agent may call now: not blocked and
	// not in a closed or do-not-call status.
	Callable bool
	Sort     CustomerSort
	Offset   int
	Limit    int
	// NoTotal skips counting all matches, for callers that only page.
	NoTotal bool
	// CountUpTo, when above zero, stops counting matches past it: a
	// total of CountUpTo+1 means more than CountUpTo. A search through a
	// million customers finds its first page long before it could count
	// them all. A campaign alone, or with a status, is always counted
	// exactly, from the counts the store keeps.
	CountUpTo int
}

// CustomerUpdate holds the fields of a customer that can change. A pointer
// to a zero AgentID unassigns; a pointer to a zero time clears the date.
type CustomerUpdate struct {
	Name             *string
	LastName         *string
	Phone            *string
	Email            *string
	Source           *string
	Note             *string
	ExternalID       *string
	StatusID         *int64
	AgentID          *int64
	FollowUpAt       *time.Time
	ContactAllowedAt *time.Time
	Custom           map[int64]string // merged into the customer's values; "" removes one
}

// StatusCount is the number of customers in one status.
type StatusCount struct {
	StatusID int64 `json:"status_id"`
	Count    int   `json:"count"`
}

// CustomerService manages customers. Agents reach only the customers of the
// campaigns they work; only admins and permitted agents create customers.
type CustomerService interface {
	// FindCustomerByID returns a customer. Returns ENOTFOUND.
	FindCustomerByID(ctx context.Context, id int64) (*Customer, error)

	// FindCustomers returns customers matching the filter and their total.
	FindCustomers(ctx context.Context, filter CustomerFilter) ([]*Customer, int, error)

	// CreateCustomer adds one customer. A zero StatusID means the initial
	// status; a zero CreatedAt means now. Returns EINVALID, ECONFLICT (the
	// phone is already in the campaign), ENOTFOUND (campaign, status or
	// agent), EFORBIDDEN.
	CreateCustomer(ctx context.Context, c *Customer) error

	// UpdateCustomer changes a customer. A do-not-call status records the
	// phone on the register. Returns EINVALID, ENOTFOUND, ECONFLICT,
	// EFORBIDDEN.
	UpdateCustomer(ctx context.Context, id int64, upd CustomerUpdate) (*Customer, error)

	// DeleteCustomer removes a customer. Admins only.
	// Returns ENOTFOUND, EFORBIDDEN.
	DeleteCustomer(ctx context.Context, id int64) error

	// CountCustomersByStatus counts a campaign's customers in each status.
	CountCustomersByStatus(ctx context.Context, campaignID int64) ([]StatusCount, error)
}
