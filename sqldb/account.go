package sqldb

import (
	"context"
	"database/sql"

	"github.com/callsheet/callsheet"
)

// AccountService implements callsheet.AccountService.
type AccountService struct{ db *DB }

// NewAccountService returns the account service of db.
func NewAccountService(db *DB) *AccountService { return &AccountService{db: db} }

var _ callsheet.AccountService = (*AccountService)(nil)

// FindAccountByID implements callsheet.AccountService.
func (s *AccountService) FindAccountByID(ctx context.Context, id int64) (*callsheet.Account, error) {
	// Not through FindAccounts: its total, a window function, costs
	// SQLite more to prepare than the lookup to run, and every add reads
	// its account.
	if !callsheet.IsOperator(ctx) {
		a, err := actorOf(ctx)
		if err != nil {
			return nil, err
		}
		if a.AccountID != id {
			return nil, notFound("Account")
		}
	}
	var a callsheet.Account
	var created int64
	err := s.db.queryRow(ctx, `SELECT id, name, country, time_zone, language, created_at FROM accounts WHERE id = ?`, id).
		Scan(&a.ID, &a.Name, &a.Country, &a.TimeZone, &a.Language, &created)
	if err == sql.ErrNoRows {
		return nil, notFound("Account")
	} else if err != nil {
		return nil, err
	}
	a.CreatedAt = fromMicros(created)
	return &a, nil
}

// FindAccounts implements callsheet.AccountService.
func (s *AccountService) FindAccounts(ctx context.Context, f callsheet.AccountFilter) ([]*callsheet.Account, int, error) {
	var w where
	if !callsheet.IsOperator(ctx) {
		a, err := actorOf(ctx)
		if err != nil {
			return nil, 0, err
		}
		w.add("id = ?", a.AccountID)
	}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Name != nil {
		w.add("name = ?", *f.Name)
	}
	page, pageArgs := limitOffset(w.args, f.Limit, f.Offset)
	rows, err := s.db.query(ctx, `SELECT id, name, country, time_zone, language, created_at, count(*) OVER ()
		FROM accounts WHERE `+w.String()+` ORDER BY id`+page, pageArgs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*callsheet.Account
	n := 0
	for rows.Next() {
		var a callsheet.Account
		var created int64
		if err := rows.Scan(&a.ID, &a.Name, &a.Country, &a.TimeZone, &a.Language, &created, &n); err != nil {
			return nil, 0, err
		}
		a.CreatedAt = fromMicros(created)
		out = append(out, &a)
	}
	return out, n, rows.Err()
}

// CreateAccount implements callsheet.AccountService.
func (s *AccountService) CreateAccount(ctx context.Context, a *callsheet.Account) error {
	if !callsheet.IsOperator(ctx) {
		return callsheet.Errorf(callsheet.EFORBIDDEN, "Only the operator may create accounts.")
	}
	if err := a.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO accounts (name, country, time_zone, language, created_at) VALUES (?, ?, ?, ?, ?)`,
			a.Name, a.Country, a.TimeZone, a.Language, micros(tx.now))
		if callsheet.ErrorCode(err) == callsheet.ECONFLICT {
			return withFields(callsheet.Errorf(callsheet.ECONFLICT, "An account named %s already exists.", a.Name), map[string]string{"name": "This name is taken."})
		} else if err != nil {
			return err
		}
		for _, st := range callsheet.DefaultStatuses(a.Language) {
			if _, err := tx.exec(ctx, `INSERT INTO statuses (account_id, name, kind, position) VALUES (?, ?, ?, ?)`,
				id, st.Name, string(st.Kind), st.Position); err != nil {
				return err
			}
		}
		a.ID, a.CreatedAt = id, tx.now
		op := &callsheet.Actor{AccountID: id, Name: "operator"}
		return tx.audit(ctx, op, "account.create", "account", id, map[string]string{"name": a.Name})
	})
}

// UpdateAccount implements callsheet.AccountService.
func (s *AccountService) UpdateAccount(ctx context.Context, id int64, upd callsheet.AccountUpdate) (*callsheet.Account, error) {
	actor, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	if actor.AccountID != id {
		return nil, notFound("Account")
	}
	a, err := s.FindAccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		a.Name = *upd.Name
	}
	if upd.Country != nil {
		a.Country = *upd.Country
	}
	if upd.TimeZone != nil {
		a.TimeZone = *upd.TimeZone
	}
	if upd.Language != nil {
		a.Language = *upd.Language
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE accounts SET name = ?, country = ?, time_zone = ?, language = ? WHERE id = ?`,
			a.Name, a.Country, a.TimeZone, a.Language, id); callsheet.ErrorCode(err) == callsheet.ECONFLICT {
			return withFields(callsheet.Errorf(callsheet.ECONFLICT, "An account named %s already exists.", a.Name), map[string]string{"name": "This name is taken."})
		} else if err != nil {
			return err
		}
		return tx.audit(ctx, actor, "account.update", "account", id, map[string]string{"name": a.Name, "country": a.Country, "time_zone": a.TimeZone, "language": a.Language})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
