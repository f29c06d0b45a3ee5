package sqldb

import (
	"context"
	"github.com/callsheet/callsheet/i18n"
	"strings"

	"github.com/callsheet/callsheet"
)

// UserService implements callsheet.UserService.
type UserService struct{ db *DB }

// NewUserService returns the user service of db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

var _ callsheet.UserService = (*UserService)(nil)

// FindUserByID implements callsheet.UserService.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*callsheet.User, error) {
	us, _, err := s.FindUsers(ctx, callsheet.UserFilter{ID: &id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, notFound("User")
	}
	return us[0], nil
}

// FindUsers implements callsheet.UserService.
func (s *UserService) FindUsers(ctx context.Context, f callsheet.UserFilter) ([]*callsheet.User, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	return findUsers(ctx, s.db, a.AccountID, f)
}

const userColumns = `id, account_id, name, login, role, can_add_customer, active, language, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }, u *callsheet.User, extra ...any) error {
	var created, updated int64
	var role string
	dest := append([]any{&u.ID, &u.AccountID, &u.Name, &u.Login, &role, &u.CanAddCustomer, &u.Active, &u.Language, &created, &updated}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	u.Role = callsheet.Role(role)
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return nil
}

// findUsers lists the users of an account with their campaigns. accountID
// zero means any account, for login.
func findUsers(ctx context.Context, db *DB, accountID int64, f callsheet.UserFilter) ([]*callsheet.User, int, error) {
	var w where
	if accountID != 0 {
		w.add("account_id = ?", accountID)
	}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Name != nil {
		w.add("name = ?", *f.Name)
	}
	if f.Login != nil {
		w.add("login = ?", *f.Login)
	}
	if f.Role != nil {
		w.add("role = ?", string(*f.Role))
	}
	if f.Active != nil {
		w.add("active = ?", *f.Active)
	}
	if f.CampaignID != nil {
		w.add("id IN (SELECT user_id FROM campaign_agents WHERE campaign_id = ?)", *f.CampaignID)
	}
	page, pageArgs := limitOffset(w.args, f.Limit, f.Offset)
	rows, err := db.query(ctx, `SELECT `+userColumns+`, count(*) OVER () FROM users WHERE `+w.String()+
		` ORDER BY name`+page, pageArgs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*callsheet.User
	byID := map[int64]*callsheet.User{}
	n := 0
	for rows.Next() {
		u := &callsheet.User{CampaignIDs: []int64{}}
		if err := scanUser(rows, u, &n); err != nil {
			return nil, 0, err
		}
		out = append(out, u)
		byID[u.ID] = u
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, n, nil
	}
	ids := make([]any, 0, len(out))
	for _, u := range out {
		ids = append(ids, u.ID)
	}
	crow, err := db.query(ctx, `SELECT user_id, campaign_id FROM campaign_agents WHERE user_id IN (`+placeholders(len(ids))+`) ORDER BY campaign_id`, ids...)
	if err != nil {
		return nil, 0, err
	}
	defer crow.Close()
	for crow.Next() {
		var uid, cid int64
		if err := crow.Scan(&uid, &cid); err != nil {
			return nil, 0, err
		}
		byID[uid].CampaignIDs = append(byID[uid].CampaignIDs, cid)
	}
	return out, n, crow.Err()
}

// placeholders returns n comma-separated question marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

func userConflict(err error) error {
	if callsheet.ErrorCode(err) != callsheet.ECONFLICT {
		return err
	}
	return &callsheet.Error{Code: callsheet.ECONFLICT, Message: "The name or login is already taken.",
		Fields: map[string]string{"name": "Name or login is taken.", "login": "Name or login is taken."}}
}

// CreateUser implements callsheet.UserService.
func (s *UserService) CreateUser(ctx context.Context, u *callsheet.User, password string) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	u.AccountID = a.AccountID
	u.Active = true
	if err := u.Validate(); err != nil {
		return err
	}
	if err := callsheet.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO users (account_id, name, login, password_hash, role, can_add_customer, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.AccountID, u.Name, u.Login, hash, string(u.Role), u.CanAddCustomer, true, micros(tx.now), micros(tx.now))
		if err != nil {
			return userConflict(err)
		}
		u.ID, u.CreatedAt, u.UpdatedAt = id, tx.now, tx.now
		if err := setUserCampaigns(ctx, tx, a.AccountID, id, u.CampaignIDs); err != nil {
			return err
		}
		if u.CampaignIDs == nil {
			u.CampaignIDs = []int64{}
		}
		return tx.audit(ctx, a, "user.create", "user", id, map[string]any{"name": u.Name, "role": u.Role, "can_add_customer": u.CanAddCustomer})
	})
}

// setUserCampaigns replaces the campaigns a user works, refusing campaigns
// of other accounts as not found.
func setUserCampaigns(ctx context.Context, tx *Tx, accountID, userID int64, ids []int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM campaign_agents WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, cid := range ids {
		r, err := tx.exec(ctx, `INSERT INTO campaign_agents (campaign_id, user_id) SELECT id, ? FROM campaigns WHERE id = ? AND account_id = ?
			ON CONFLICT DO NOTHING`, userID, cid, accountID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			var exists int
			if err := tx.queryRow(ctx, `SELECT count(*) FROM campaigns WHERE id = ? AND account_id = ?`, cid, accountID).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				return &callsheet.Error{Code: callsheet.ENOTFOUND, Message: "Campaign not found.", Fields: map[string]string{"campaigns": "Campaign not found."}}
			}
		}
	}
	return nil
}

// UpdateUser implements callsheet.UserService.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd callsheet.UserUpdate) (*callsheet.User, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		u.Name = *upd.Name
	}
	if upd.Login != nil {
		u.Login = *upd.Login
	}
	if upd.Role != nil {
		u.Role = *upd.Role
	}
	if upd.CanAddCustomer != nil {
		u.CanAddCustomer = *upd.CanAddCustomer
	}
	if upd.Active != nil {
		u.Active = *upd.Active
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var hash string
	if upd.Password != nil {
		if err := callsheet.ValidatePassword(*upd.Password); err != nil {
			return nil, err
		}
		if hash, err = hashPassword(*upd.Password); err != nil {
			return nil, err
		}
	}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE users SET name = ?, login = ?, role = ?, can_add_customer = ?, active = ?, updated_at = ?
			WHERE id = ? AND account_id = ?`, u.Name, u.Login, string(u.Role), u.CanAddCustomer, u.Active, micros(tx.now), id, a.AccountID); err != nil {
			return userConflict(err)
		}
		if hash != "" {
			if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id); err != nil {
				return err
			}
		}
		if hash != "" || !u.Active {
			// A new password or a deactivation ends the user's sessions.
			if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		if upd.CampaignIDs != nil {
			if err := setUserCampaigns(ctx, tx, a.AccountID, id, *upd.CampaignIDs); err != nil {
				return err
			}
			u.CampaignIDs = append([]int64{}, *upd.CampaignIDs...)
		}
		var admins int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM users WHERE account_id = ? AND role = 'admin' AND active`, a.AccountID).Scan(&admins); err != nil {
			return err
		}
		if admins == 0 {
			return callsheet.Errorf(callsheet.ECONFLICT, "The account needs at least one active admin.")
		}
		u.UpdatedAt = tx.now
		detail := map[string]any{"name": u.Name, "role": u.Role, "can_add_customer": u.CanAddCustomer, "active": u.Active}
		if hash != "" {
			detail["password_changed"] = true
		}
		return tx.audit(ctx, a, "user.update", "user", id, detail)
	})
	if err != nil {
		return nil, err
	}
	return s.FindUserByID(ctx, id)
}

// Authenticate implements callsheet.UserService.
func (s *UserService) Authenticate(ctx context.Context, login, password string) (*callsheet.User, error) {
	fail := callsheet.Errorf(callsheet.EUNAUTHORIZED, "Wrong login or password.")
	login = strings.TrimSpace(login)
	var u callsheet.User
	var hash string
	err := scanUser(s.db.queryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE login = ?`, login), &u, &hash)
	if err != nil {
		checkPassword(dummyHash, password)
		return nil, fail
	}
	if !checkPassword(hash, password) || !u.Active {
		return nil, fail
	}
	us, _, err := findUsers(ctx, s.db, u.AccountID, callsheet.UserFilter{ID: &u.ID})
	if err != nil || len(us) == 0 {
		return nil, fail
	}
	return us[0], nil
}

// SetMyLanguage implements callsheet.UserService.
func (s *UserService) SetMyLanguage(ctx context.Context, lang string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if a.UserID == 0 {
		return callsheet.Errorf(callsheet.EFORBIDDEN, "Only a user has a language of their own.")
	}
	if lang != "" && !i18n.Supported(lang) {
		return callsheet.FieldErrors(map[string]string{"language": "Language must be en (English) or he (Hebrew)."})
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE users SET language = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
			lang, micros(tx.now), a.UserID, a.AccountID); err != nil {
			return err
		}
		return tx.audit(ctx, a, "user.language", "user", a.UserID, map[string]string{"language": lang})
	})
}

// ChangePassword implements callsheet.UserService.
func (s *UserService) ChangePassword(ctx context.Context, current, next string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if a.UserID == 0 {
		return callsheet.Errorf(callsheet.EFORBIDDEN, "Only a user can change their password.")
	}
	var hash string
	if err := s.db.queryRow(ctx, `SELECT password_hash FROM users WHERE id = ? AND account_id = ?`, a.UserID, a.AccountID).Scan(&hash); err != nil {
		return notFound("User")
	}
	if !checkPassword(hash, current) {
		return &callsheet.Error{Code: callsheet.EINVALID, Message: "The current password is wrong.", Fields: map[string]string{"current": "Wrong password."}}
	}
	if err := callsheet.ValidatePassword(next); err != nil {
		return err
	}
	newHash, err := hashPassword(next)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, newHash, micros(tx.now), a.UserID); err != nil {
			return err
		}
		// Every session ends: one opened with the old password is not to
		// outlive it. The caller starts a new one for the user.
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, a.UserID); err != nil {
			return err
		}
		return tx.audit(ctx, a, "user.password", "user", a.UserID, nil)
	})
}
