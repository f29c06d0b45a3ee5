package callsheet

import (
	"context"
	"github.com/callsheet/callsheet/i18n"
	"strings"
	"unicode/utf8"
)

// StatusKind says what a status means to Callsheet.
type StatusKind string

// Status kinds. An account has exactly one initial status.
const (
	StatusInitial   StatusKind = "initial"     // where new customers start
	StatusOpen      StatusKind = "open"        // still being worked
	StatusFollowUp  StatusKind = "follow_up"   // the customer carries a follow-up date
	StatusDoNotCall StatusKind = "do_not_call" // records the phone on the do-not-call register
	StatusClosed    StatusKind = "closed"      // done with
)

// Valid reports whether k is a known kind.
func (k StatusKind) Valid() bool {
	switch k {
	case StatusInitial, StatusOpen, StatusFollowUp, StatusDoNotCall, StatusClosed:
		return true
	}
	return false
}

// Status is an account-defined customer status.
type Status struct {
	ID        int64      `json:"id"`
	AccountID int64      `json:"account_id"`
	Name      string     `json:"name"`
	Kind      StatusKind `json:"kind"`
	Position  int        `json:"position"`
}

// DefaultStatuses are the statuses a new account gets, named in the
// account's language. They are the account's data from then on: renaming
// them, or changing the language later, is the admin's to do.
func DefaultStatuses(lang string) []Status {
	sts := []Status{
		{Name: "Waiting", Kind: StatusInitial, Position: 1},
		{Name: "Follow-up", Kind: StatusFollowUp, Position: 2},
		{Name: "Not interested", Kind: StatusClosed, Position: 3},
		{Name: "Do not call", Kind: StatusDoNotCall, Position: 4},
		{Name: "Closed", Kind: StatusClosed, Position: 5},
	}
	for i := range sts {
		sts[i].Name = i18n.T(lang, sts[i].Name)
	}
	return sts
}

// Validate checks a status's fields.
func (s *Status) Validate() error {
	f := map[string]Message{}
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" {
		f["name"] = Msg("Status name is required.")
	} else if utf8.RuneCountInString(s.Name) > 100 {
		f["name"] = Msg("Status name is longer than 100 characters.")
	}
	checkTextMsg(f, "name", Msg("Status name"), s.Name, false)
	if !s.Kind.Valid() {
		f["kind"] = Msg("Kind must be one of initial, open, follow_up, do_not_call, closed.")
	}
	return FieldErrorMsgs(f)
}

// StatusFilter narrows FindStatuses.
type StatusFilter struct {
	ID   *int64
	Name *string
	Kind *StatusKind
}

// StatusUpdate holds the fields of a status that can change.
type StatusUpdate struct {
	Name     *string
	Kind     *StatusKind
	Position *int
}

// StatusService manages statuses.
type StatusService interface {
	// FindStatusByID returns a status of the actor's account. Returns ENOTFOUND.
	FindStatusByID(ctx context.Context, id int64) (*Status, error)

	// FindStatuses returns the account's statuses in their order.
	FindStatuses(ctx context.Context, filter StatusFilter) ([]*Status, int, error)

	// CreateStatus adds a status at the end of the list. Making it initial
	// turns the previous initial status into an open one. Admins only.
	// Returns EINVALID, ECONFLICT (name taken), EFORBIDDEN.
	CreateStatus(ctx context.Context, s *Status) error

	// UpdateStatus changes a status. The initial status cannot be given
	// another kind; make another status initial instead. Admins only.
	// Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
	UpdateStatus(ctx context.Context, id int64, upd StatusUpdate) (*Status, error)
}
