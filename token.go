package callsheet

import (
	"context"
	"strings"
	"time"
)

// APIToken authorises the API for one account. Its secret is shown once, at
// creation, and only a hash of it is kept.
type APIToken struct {
	ID         int64      `json:"id"`
	AccountID  int64      `json:"account_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the first characters, to tell tokens apart
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Validate checks a token's name.
func (t *APIToken) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return FieldErrors(map[string]string{"name": "Token name is required."})
	}
	f := map[string]Message{}
	checkTextMsg(f, "name", Msg("Token name"), t.Name, false)
	return FieldErrorMsgs(f)
}

// APITokenService manages API tokens.
type APITokenService interface {
	// CreateAPIToken creates a token and returns its secret, which is not
	// kept. Admins only. Returns EINVALID, EFORBIDDEN.
	CreateAPIToken(ctx context.Context, t *APIToken) (secret string, err error)

	// FindAPITokens lists the account's tokens. Admins only.
	FindAPITokens(ctx context.Context) ([]*APIToken, error)

	// RevokeAPIToken revokes a token. Admins only.
	// Returns ENOTFOUND, EFORBIDDEN.
	RevokeAPIToken(ctx context.Context, id int64) error

	// AuthenticateAPIToken finds the live token with this secret and
	// records its use. Returns EUNAUTHORIZED.
	AuthenticateAPIToken(ctx context.Context, secret string) (*APIToken, error)
}

// Session is a logged-in browser. Its secret lives in a cookie; only a hash
// of it is kept. CSRF is the token every form of the session must carry.
type Session struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	CSRF      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SessionService manages browser sessions.
type SessionService interface {
	// CreateSession starts a session for a user and returns its secret.
	CreateSession(ctx context.Context, userID int64) (*Session, string, error)

	// FindSession returns the live session with this secret and its active
	// user. Returns EUNAUTHORIZED.
	FindSession(ctx context.Context, secret string) (*Session, *User, error)

	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, secret string) error
}
