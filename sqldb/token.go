package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

// APITokenService implements callsheet.APITokenService.
type APITokenService struct{ db *DB }

// NewAPITokenService returns the API token service of db.
func NewAPITokenService(db *DB) *APITokenService { return &APITokenService{db: db} }

var _ callsheet.APITokenService = (*APITokenService)(nil)

// TokenPrefix starts every API token, so that a leaked one is easy to spot.
const TokenPrefix = "cs_"

// newSecret returns 32 random bytes, URL-safe encoded, after prefix.
func newSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// hashSecret hashes a random secret. Secrets carry 256 bits of entropy, so
// a plain SHA-256 cannot be brute-forced and lets the store look them up.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateAPIToken implements callsheet.APITokenService.
func (s *APITokenService) CreateAPIToken(ctx context.Context, t *callsheet.APIToken) (string, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return "", err
	}
	if err := t.Validate(); err != nil {
		return "", err
	}
	secret, err := newSecret(TokenPrefix)
	if err != nil {
		return "", err
	}
	t.AccountID = a.AccountID
	t.Prefix = secret[:len(TokenPrefix)+6]
	err = s.db.withTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO api_tokens (account_id, name, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			a.AccountID, t.Name, t.Prefix, hashSecret(secret), micros(tx.now))
		if err != nil {
			return err
		}
		t.ID, t.CreatedAt = id, tx.now
		return tx.audit(ctx, a, "api_token.create", "api_token", id, map[string]string{"name": t.Name, "prefix": t.Prefix})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// FindAPITokens implements callsheet.APITokenService.
func (s *APITokenService) FindAPITokens(ctx context.Context) ([]*callsheet.APIToken, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, `SELECT id, account_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens
		WHERE account_id = ? ORDER BY revoked_at IS NOT NULL, id DESC`, a.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*callsheet.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func scanToken(sc interface{ Scan(...any) error }) (*callsheet.APIToken, error) {
	var t callsheet.APIToken
	var created int64
	var used, revoked sql.NullInt64
	if err := sc.Scan(&t.ID, &t.AccountID, &t.Name, &t.Prefix, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMicros(created)
	t.LastUsedAt, t.RevokedAt = fromNullMicros(used), fromNullMicros(revoked)
	return &t, nil
}

// RevokeAPIToken implements callsheet.APITokenService.
func (s *APITokenService) RevokeAPIToken(ctx context.Context, id int64) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		r, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND account_id = ?`, micros(tx.now), id, a.AccountID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return notFound("API token")
		}
		return tx.audit(ctx, a, "api_token.revoke", "api_token", id, nil)
	})
}

// tokenUseGranularity limits how often a token's last-used time is written,
// so a busy integration does not write on every request.
const tokenUseGranularity = time.Minute

// AuthenticateAPIToken implements callsheet.APITokenService.
func (s *APITokenService) AuthenticateAPIToken(ctx context.Context, secret string) (*callsheet.APIToken, error) {
	fail := callsheet.Errorf(callsheet.EUNAUTHORIZED, "The API token is missing, wrong or revoked.")
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, fail
	}
	t, err := scanToken(s.db.queryRow(ctx, `SELECT id, account_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE hash = ?`, hashSecret(secret)))
	if err != nil || t.RevokedAt != nil {
		return nil, fail
	}
	now := s.db.Now().UTC()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenUseGranularity {
		// Best effort, and briefly: on SQLite a running import holds the
		// only writer, and a request must not wait for the import's end
		// (nor fail) to note when its token was last used.
		wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		s.db.db.ExecContext(wctx, s.db.rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), micros(now), t.ID)
		cancel()
		t.LastUsedAt = &now
	}
	return t, nil
}
