package sqldb

import (
	"context"
	"time"

	"github.com/callsheet/callsheet"
)

// SessionService implements callsheet.SessionService.
type SessionService struct {
	db *DB

	// Lifetime is how long a session lasts.
	Lifetime time.Duration
}

// NewSessionService returns the session service of db.
func NewSessionService(db *DB) *SessionService {
	return &SessionService{db: db, Lifetime: 12 * time.Hour}
}

var _ callsheet.SessionService = (*SessionService)(nil)

// CreateSession implements callsheet.SessionService.
func (s *SessionService) CreateSession(ctx context.Context, userID int64) (*callsheet.Session, string, error) {
	secret, err := newSecret("")
	if err != nil {
		return nil, "", err
	}
	csrf, err := newSecret("")
	if err != nil {
		return nil, "", err
	}
	sess := &callsheet.Session{UserID: userID, CSRF: csrf}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		// Expired sessions are swept as new ones start.
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, micros(tx.now)); err != nil {
			return err
		}
		sess.CreatedAt, sess.ExpiresAt = tx.now, tx.now.Add(s.Lifetime)
		id, err := tx.insert(ctx, `INSERT INTO sessions (user_id, hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			userID, hashSecret(secret), csrf, micros(sess.CreatedAt), micros(sess.ExpiresAt))
		sess.ID = id
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return sess, secret, nil
}

// FindSession implements callsheet.SessionService.
func (s *SessionService) FindSession(ctx context.Context, secret string) (*callsheet.Session, *callsheet.User, error) {
	fail := callsheet.Errorf(callsheet.EUNAUTHORIZED, "Your session has ended; please log in.")
	if secret == "" {
		return nil, nil, fail
	}
	var sess callsheet.Session
	var accountID int64
	var created, expires int64
	err := s.db.queryRow(ctx, `SELECT s.id, s.user_id, s.csrf, s.created_at, s.expires_at, u.account_id FROM sessions s
		JOIN users u ON u.id = s.user_id WHERE s.hash = ? AND u.active`, hashSecret(secret)).
		Scan(&sess.ID, &sess.UserID, &sess.CSRF, &created, &expires, &accountID)
	if err != nil {
		return nil, nil, fail
	}
	sess.CreatedAt, sess.ExpiresAt = fromMicros(created), fromMicros(expires)
	if !s.db.Now().Before(sess.ExpiresAt) {
		return nil, nil, fail
	}
	us, _, err := findUsers(ctx, s.db, accountID, callsheet.UserFilter{ID: &sess.UserID})
	if err != nil {
		return nil, nil, err
	}
	if len(us) == 0 {
		return nil, nil, fail
	}
	return &sess, us[0], nil
}

// DeleteSession implements callsheet.SessionService.
func (s *SessionService) DeleteSession(ctx context.Context, secret string) error {
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`DELETE FROM sessions WHERE hash = ?`), hashSecret(secret))
	return s.db.translate(err)
}
