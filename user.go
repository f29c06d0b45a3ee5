package callsheet

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do in an account.
type Role string

// Roles.
const (
	RoleAdmin Role = "admin" // manages everything in the account
	RoleAgent Role = "agent" // works the customers of their campaigns
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleAgent }

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// User is a person who logs in. Agents are matched in customer files by
// Name, exactly as it is written here, so Name is unique in the account.
type User struct {
	ID             int64     `json:"id"`
	AccountID      int64     `json:"account_id"`
	Name           string    `json:"name"`
	Login          string    `json:"login"`
	Role           Role      `json:"role"`
	CanAddCustomer bool      `json:"can_add_customer"`
	CampaignIDs    []int64   `json:"campaign_ids"`
	Active         bool      `json:"active"`
	Language       string    `json:"language"` // the user's own interface language; "" follows the account
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// MayAddCustomer reports whether the user may add a single customer: admins
// always, agents when granted the permission.
func (u *User) MayAddCustomer() bool {
	return u.Role == RoleAdmin || u.CanAddCustomer
}

// WorksCampaign reports whether the user may see the campaign's customers.
func (u *User) WorksCampaign(id int64) bool {
	if u.Role == RoleAdmin {
		return true
	}
	for _, c := range u.CampaignIDs {
		if c == id {
			return true
		}
	}
	return false
}

// Validate checks a user's fields.
func (u *User) Validate() error {
	f := map[string]Message{}
	u.Name = strings.TrimSpace(u.Name)
	u.Login = strings.TrimSpace(u.Login)
	if u.Name == "" {
		f["name"] = Msg("Name is required.")
	} else if utf8.RuneCountInString(u.Name) > 200 {
		f["name"] = Msg("Name is longer than 200 characters.")
	}
	checkTextMsg(f, "name", Msg("Name"), u.Name, false)
	if u.Login == "" {
		f["login"] = Msg("Login is required.")
	} else if strings.ContainsAny(u.Login, " \t\r\n") {
		f["login"] = Msg("Login must not contain spaces.")
	} else if utf8.RuneCountInString(u.Login) > 200 {
		f["login"] = Msg("Login is longer than 200 characters.")
	}
	checkTextMsg(f, "login", Msg("Login"), u.Login, false)
	if !u.Role.Valid() {
		f["role"] = Msg("Role must be admin or agent.")
	}
	return FieldErrorMsgs(f)
}

// ValidatePassword checks a new password.
func ValidatePassword(p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLength {
		return &Error{Code: EINVALID, Message: "Password must be at least 8 characters.", Fields: map[string]string{"password": "Password must be at least 8 characters."}}
	}
	if len(p) > 1024 {
		return &Error{Code: EINVALID, Message: "Password is too long.", Fields: map[string]string{"password": "Password is too long."}}
	}
	return nil
}

// UserFilter narrows FindUsers.
type UserFilter struct {
	ID         *int64
	Name       *string
	Login      *string
	Role       *Role
	CampaignID *int64
	Active     *bool
	Offset     int
	Limit      int
}

// UserUpdate holds the fields of a user that can change.
type UserUpdate struct {
	Name           *string
	Login          *string
	Role           *Role
	CanAddCustomer *bool
	CampaignIDs    *[]int64
	Active         *bool
	Password       *string
}

// UserService manages users, their passwords and their sessions.
type UserService interface {
	// FindUserByID returns a user of the actor's account. Returns ENOTFOUND.
	FindUserByID(ctx context.Context, id int64) (*User, error)

	// FindUsers returns the users of the actor's account and their total.
	FindUsers(ctx context.Context, filter UserFilter) ([]*User, int, error)

	// CreateUser creates a user in the actor's account with the password.
	// Admins only. Returns EINVALID, ECONFLICT (name or login taken),
	// EFORBIDDEN.
	CreateUser(ctx context.Context, u *User, password string) error

	// UpdateUser changes a user. Admins only. An account always keeps one
	// active admin. Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)

	// ChangePassword changes the acting user's own password after checking
	// the current one, and ends all the user's sessions. Returns EINVALID,
	// EUNAUTHORIZED.
	ChangePassword(ctx context.Context, current, next string) error

	// SetMyLanguage sets the acting user's own interface language; ""
	// follows the account's.
	SetMyLanguage(ctx context.Context, lang string) error

	// Authenticate checks a login and password across accounts and returns
	// the active user. Returns EUNAUTHORIZED with one message for every
	// kind of failure, so logins cannot be probed.
	Authenticate(ctx context.Context, login, password string) (*User, error)
}
