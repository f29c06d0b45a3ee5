package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/callsheet/callsheet"
	"github.com/nyaruka/phonenumbers"
)

// CustomerService implements callsheet.CustomerService.
type CustomerService struct{ db *DB }

// NewCustomerService returns the customer service of db.
func NewCustomerService(db *DB) *CustomerService { return &CustomerService{db: db} }

var _ callsheet.CustomerService = (*CustomerService)(nil)

const customerColumns = `c.id, c.account_id, c.campaign_id, c.name, c.last_name, c.phone, c.email, c.source, c.note, c.external_id,
	c.status_id, COALESCE(c.agent_id, 0), c.follow_up_at, c.created_at, c.contact_allowed_at, c.custom, c.updated_at, c.version, ` + blockedExpr

func scanCustomer(sc interface{ Scan(...any) error }, c *callsheet.Customer, extra ...any) error {
	var followUp, allowed sql.NullInt64
	var created, updated int64
	var custom string
	dest := append([]any{&c.ID, &c.AccountID, &c.CampaignID, &c.Name, &c.LastName, &c.Phone, &c.Email, &c.Source, &c.Note, &c.ExternalID,
		&c.StatusID, &c.AgentID, &followUp, &created, &allowed, &custom, &updated, &c.Version, &c.Blocked}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	c.FollowUpAt, c.ContactAllowedAt = fromNullMicros(followUp), fromNullMicros(allowed)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	c.Custom = decodeCustom(custom)
	return nil
}

// decodeCustom reads the stored JSON object of custom values.
func decodeCustom(s string) map[int64]string {
	if s == "" || s == "{}" {
		return nil
	}
	var raw map[string]string
	if json.Unmarshal([]byte(s), &raw) != nil {
		return nil
	}
	out := make(map[int64]string, len(raw))
	for k, v := range raw {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			out[id] = v
		}
	}
	return out
}

// encodeCustom writes custom values as a JSON object, keeping empty values
// (which a merge reads as "remove") only when keepEmpty is set.
func encodeCustom(m map[int64]string, keepEmpty bool) string {
	if len(m) == 0 {
		return "{}"
	}
	raw := make(map[string]string, len(m))
	for k, v := range m {
		if v != "" || keepEmpty {
			raw[strconv.FormatInt(k, 10)] = v
		}
	}
	b, _ := json.Marshal(raw)
	return string(b)
}

// customerScope restricts a query on customers c to what the actor may see.
func customerScope(w *where, a *callsheet.Actor) {
	w.add("c.account_id = ?", a.AccountID)
	if !a.IsAdmin() {
		w.add("c.campaign_id IN (SELECT campaign_id FROM campaign_agents WHERE user_id = ?)", a.UserID)
	}
}

// FindCustomerByID implements callsheet.CustomerService.
func (s *CustomerService) FindCustomerByID(ctx context.Context, id int64) (*callsheet.Customer, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findCustomerByID(ctx, s.db, a, id)
}

func findCustomerByID(ctx context.Context, q querier, a *callsheet.Actor, id int64) (*callsheet.Customer, error) {
	var w where
	customerScope(&w, a)
	w.add("c.id = ?", id)
	var c callsheet.Customer
	err := scanCustomer(q.queryRow(ctx, `SELECT `+customerColumns+` FROM customers c WHERE `+w.String(), w.args...), &c)
	if err == sql.ErrNoRows {
		return nil, notFound("Customer")
	} else if err != nil {
		return nil, err
	}
	return &c, nil
}

// FindCustomers implements callsheet.CustomerService.
func (s *CustomerService) FindCustomers(ctx context.Context, f callsheet.CustomerFilter) ([]*callsheet.Customer, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	var w where
	customerScope(&w, a)
	// counted: the filter is a campaign, and perhaps a status, alone, so
	// its total is in campaign_counts.
	counted := f.CampaignID != nil && f.ID == nil && f.AfterID == nil && f.AgentID == nil && f.Phone == nil &&
		(f.Text == nil || strings.TrimSpace(*f.Text) == "") && f.Blocked == nil && !f.Callable
	if f.ID != nil {
		w.add("c.id = ?", *f.ID)
	}
	if f.AfterID != nil {
		w.add("c.id > ?", *f.AfterID)
	}
	if f.CampaignID != nil {
		w.add("c.campaign_id = ?", *f.CampaignID)
	}
	if f.StatusID != nil {
		w.add("c.status_id = ?", *f.StatusID)
	}
	if f.AgentID != nil {
		if *f.AgentID == 0 {
			w.add("c.agent_id IS NULL")
		} else {
			w.add("c.agent_id = ?", *f.AgentID)
		}
	}
	if f.Phone != nil {
		w.add("c.phone = ?", *f.Phone)
	}
	if f.Text != nil && strings.TrimSpace(*f.Text) != "" {
		t := strings.ToLower(strings.TrimSpace(*f.Text))
		if all := numberDigits(t); len(all) >= 3 {
			// A number searches phones only. Written whole, from its
			// start (+972 52..., or 052... as the account's country
			// writes it), it is a range of the phone index; any other
			// run of digits (the last four, say) is found inside phones.
			if lo, hi, ok := s.phoneRange(ctx, a, t, all); ok {
				w.add(`c.phone >= ? AND c.phone < ?`, lo, hi)
			} else {
				w.add(`c.phone LIKE ?`, "%"+all+"%")
			}
		} else {
			like := "%" + escapeLike(t) + "%"
			w.add(`(lower(c.name) LIKE ? ESCAPE '\' OR lower(c.last_name) LIKE ? ESCAPE '\' OR lower(c.email) LIKE ? ESCAPE '\')`, like, like, like)
		}
	}
	if f.Blocked != nil {
		if *f.Blocked {
			w.add(blockedExpr)
		} else {
			w.add("NOT " + blockedExpr)
		}
	}
	if f.Callable {
		w.add("NOT " + blockedExpr)
		w.add("c.status_id IN (SELECT id FROM statuses WHERE account_id = ? AND kind NOT IN ('closed', 'do_not_call'))", a.AccountID)
	}
	total := -1
	switch {
	case f.NoTotal:
	case f.CountUpTo > 0 && !counted:
		// Counted after the page: a first page that is not full is
		// the whole count, and a search need not read its matches twice.
		total = -2
	case counted:
		var k where
		campaignScope(&k, a, "c")
		k.add("k.campaign_id = ?", *f.CampaignID)
		if f.StatusID != nil {
			k.add("k.status_id = ?", *f.StatusID)
		}
		if err := s.db.queryRow(ctx, `SELECT COALESCE(sum(k.customers), 0) FROM campaign_counts k JOIN campaigns c ON c.id = k.campaign_id
			WHERE `+k.String(), k.args...).Scan(&total); err != nil {
			return nil, 0, err
		}
	default:
		if err := s.db.queryRow(ctx, `SELECT count(*) FROM customers c WHERE `+w.String(), w.args...).Scan(&total); err != nil {
			return nil, 0, err
		}
	}
	order := "c.id DESC"
	switch f.Sort {
	case callsheet.SortOldest:
		order = "c.id"
	case callsheet.SortName:
		order = "c.name, c.last_name, c.id"
	case callsheet.SortFollowUp:
		order = "c.follow_up_at IS NULL, c.follow_up_at, c.id DESC"
	case callsheet.SortUpdated:
		order = "c.updated_at DESC, c.id DESC"
	}
	page, pageArgs := limitOffset(w.args, f.Limit, f.Offset)
	rows, err := s.db.query(ctx, `SELECT `+customerColumns+` FROM customers c WHERE `+w.String()+` ORDER BY `+order+page, pageArgs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*callsheet.Customer{}
	for rows.Next() {
		var c callsheet.Customer
		if err := scanCustomer(rows, &c); err != nil {
			return nil, 0, err
		}
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	switch {
	case total == -2 && f.Offset == 0 && (f.Limit <= 0 || len(out) < f.Limit):
		total = len(out)
	case total == -2:
		if err := s.db.queryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM customers c WHERE `+w.String()+` LIMIT ?) x`,
			append(append([]any{}, w.args...), f.CountUpTo+1)...).Scan(&total); err != nil {
			return nil, 0, err
		}
	case total < 0:
		total = len(out)
	}
	return out, total, nil
}

// phoneRange is the range of stored (E.164) phones that begin as the
// search t does, when t starts as a whole number: with + or 00 and the
// country code, or with the national trunk 0 of the account's country.
// digits are t's digits. A short run of digits that starts with 00 (the
// last four, say) is no international number.
func (s *CustomerService) phoneRange(ctx context.Context, a *callsheet.Actor, t, digits string) (lo, hi string, ok bool) {
	switch {
	case strings.HasPrefix(t, "+"):
		lo = "+" + digits
	case strings.HasPrefix(t, "00") && len(digits) >= 9:
		lo = "+" + digits[2:]
	case strings.HasPrefix(t, "00"):
		return "", "", false
	case strings.HasPrefix(t, "0"):
		digits = digits[1:]
		var country string
		if err := s.db.queryRow(ctx, `SELECT country FROM accounts WHERE id = ?`, a.AccountID).Scan(&country); err != nil {
			return "", "", false
		}
		cc := phonenumbers.GetCountryCodeForRegion(country)
		if cc == 0 || phonenumbers.GetNddPrefixForRegion(country, true) != "0" {
			return "", "", false
		}
		lo = "+" + strconv.Itoa(cc) + digits
	default:
		return "", "", false
	}
	// The upper end: the prefix with its last digit one up, carried.
	b := []byte(lo)
	for i := len(b) - 1; i > 0; i-- {
		if b[i] < '9' {
			b[i]++
			return lo, string(b[:i+1]), true
		}
	}
	return "", "", false
}

// escapeLike escapes the LIKE wildcards of s with a backslash.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// numberDigits returns the digits of a search text that looks like a
// phone number (digits and separators only), or "".
func numberDigits(t string) string {
	var b strings.Builder
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '+' || r == '.':
		default:
			return ""
		}
	}
	return b.String()
}

// checkCampaign checks that the campaign is the account's, and the
// agent's own when an agent acts.
func checkCampaign(ctx context.Context, tx *Tx, a *callsheet.Actor, campaignID int64) error {
	var w where
	campaignScope(&w, a, "c")
	w.add("c.id = ?", campaignID)
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM campaigns c WHERE `+w.String(), w.args...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return &callsheet.Error{Code: callsheet.ENOTFOUND, Message: "Campaign not found.", Fields: map[string]string{"campaign": "Campaign not found."}}
	}
	return nil
}

// resolveStatus checks that the status is the account's, the account's
// initial one when *id is zero (it is then set), and returns its kind.
func resolveStatus(ctx context.Context, tx *Tx, accountID int64, id *int64) (callsheet.StatusKind, error) {
	var kind string
	var err error
	if *id == 0 {
		err = tx.queryRow(ctx, `SELECT id, kind FROM statuses WHERE account_id = ? AND kind = 'initial'`, accountID).Scan(id, &kind)
	} else {
		err = tx.queryRow(ctx, `SELECT id, kind FROM statuses WHERE account_id = ? AND id = ?`, accountID, *id).Scan(id, &kind)
	}
	if err == sql.ErrNoRows {
		return "", &callsheet.Error{Code: callsheet.ENOTFOUND, Message: "Status not found.", Fields: map[string]string{"status": "Status not found."}}
	}
	return callsheet.StatusKind(kind), err
}

// customerRefs checks that the campaign, status and agent of a customer
// belong to the account (and the campaign to the agent acting), returning
// the status's kind. A zero status means the account's initial status.
func customerRefs(ctx context.Context, tx *Tx, a *callsheet.Actor, c *callsheet.Customer) (callsheet.StatusKind, error) {
	if err := checkCampaign(ctx, tx, a, c.CampaignID); err != nil {
		return "", err
	}
	kind, err := resolveStatus(ctx, tx, a.AccountID, &c.StatusID)
	if err != nil {
		return "", err
	}
	var n int
	if c.AgentID != 0 {
		if err := tx.queryRow(ctx, `SELECT count(*) FROM users WHERE account_id = ? AND id = ?`, a.AccountID, c.AgentID).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return "", &callsheet.Error{Code: callsheet.ENOTFOUND, Message: "Agent not found.", Fields: map[string]string{callsheet.FieldAgent: "Agent not found."}}
		}
	}
	if len(c.Custom) > 0 {
		fields, err := findCustomFields(ctx, tx, a.AccountID)
		if err != nil {
			return "", err
		}
		known := map[int64]bool{}
		for _, f := range fields {
			known[f.ID] = true
		}
		for id := range c.Custom {
			if !known[id] {
				return "", withFields(callsheet.Errorf(callsheet.EINVALID, "Unknown custom field %s.", strconv.FormatInt(id, 10)),
					map[string]string{"custom_field_" + strconv.FormatInt(id, 10): "Unknown custom field."})
			}
		}
	}
	return callsheet.StatusKind(kind), nil
}

// mayAddCustomer checks, in the transaction, that the actor may add a
// customer: admins and tokens always, agents while they hold the permission.
func mayAddCustomer(ctx context.Context, tx *Tx, a *callsheet.Actor) error {
	if a.IsAdmin() {
		return nil
	}
	var ok bool
	err := tx.queryRow(ctx, `SELECT can_add_customer FROM users WHERE id = ? AND account_id = ? AND active`, a.UserID, a.AccountID).Scan(&ok)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	if !ok {
		return callsheet.Errorf(callsheet.EFORBIDDEN, "You do not have permission to add customers.")
	}
	return nil
}

func phoneConflict(err error, phone string) error {
	if callsheet.ErrorCode(err) != callsheet.ECONFLICT {
		return err
	}
	return withFields(callsheet.Errorf(callsheet.ECONFLICT, "A customer with phone %s is already in this campaign.", phone),
		map[string]string{callsheet.FieldPhone: "Already in this campaign."})
}

// CreateCustomer implements callsheet.CustomerService.
func (s *CustomerService) CreateCustomer(ctx context.Context, c *callsheet.Customer) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	c.AccountID = a.AccountID
	return s.db.withTx(ctx, func(tx *Tx) error {
		if err := mayAddCustomer(ctx, tx, a); err != nil {
			return err
		}
		kind, err := customerRefs(ctx, tx, a, c)
		if err != nil {
			return err
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = tx.now
		}
		var agent any
		if c.AgentID != 0 {
			agent = c.AgentID
		}
		id, err := tx.insert(ctx, `INSERT INTO customers (account_id, campaign_id, name, last_name, phone, email, source, note, external_id,
			status_id, agent_id, follow_up_at, created_at, contact_allowed_at, custom, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			c.AccountID, c.CampaignID, c.Name, c.LastName, c.Phone, c.Email, c.Source, c.Note, c.ExternalID,
			c.StatusID, agent, nullMicros(c.FollowUpAt), micros(c.CreatedAt), nullMicros(c.ContactAllowedAt), encodeCustom(c.Custom, false), micros(tx.now))
		if err != nil {
			return phoneConflict(err, c.Phone)
		}
		c.ID, c.UpdatedAt, c.Version = id, tx.now, 1
		if kind == callsheet.StatusDoNotCall {
			if err := recordDoNotCall(ctx, tx, a.AccountID, c.Phone, "Given a do-not-call status", tx.now); err != nil {
				return err
			}
		}
		if c.Blocked, err = isBlocked(ctx, tx, a.AccountID, c.Phone, c.ContactAllowedAt); err != nil {
			return err
		}
		return tx.audit(ctx, a, "customer.create", "customer", id, map[string]any{"campaign_id": c.CampaignID, "phone": c.Phone})
	})
}

// UpdateCustomer implements callsheet.CustomerService.
func (s *CustomerService) UpdateCustomer(ctx context.Context, id int64, upd callsheet.CustomerUpdate) (*callsheet.Customer, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *callsheet.Customer
	err = s.db.withTx(ctx, func(tx *Tx) error {
		c, err := findCustomerByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		oldStatus := c.StatusID
		setStr := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		setStr(&c.Name, upd.Name)
		setStr(&c.LastName, upd.LastName)
		setStr(&c.Phone, upd.Phone)
		setStr(&c.Email, upd.Email)
		setStr(&c.Source, upd.Source)
		setStr(&c.Note, upd.Note)
		setStr(&c.ExternalID, upd.ExternalID)
		if upd.StatusID != nil {
			c.StatusID = *upd.StatusID
		}
		if upd.AgentID != nil {
			c.AgentID = *upd.AgentID
		}
		if upd.FollowUpAt != nil {
			c.FollowUpAt = upd.FollowUpAt
			if upd.FollowUpAt.IsZero() {
				c.FollowUpAt = nil
			}
		}
		if upd.ContactAllowedAt != nil {
			c.ContactAllowedAt = upd.ContactAllowedAt
			if upd.ContactAllowedAt.IsZero() {
				c.ContactAllowedAt = nil
			}
		}
		if len(upd.Custom) > 0 {
			if c.Custom == nil {
				c.Custom = map[int64]string{}
			}
			for k, v := range upd.Custom {
				if v == "" {
					delete(c.Custom, k)
				} else {
					c.Custom[k] = v
				}
			}
		}
		if err := c.Validate(); err != nil {
			return err
		}
		kind, err := customerRefs(ctx, tx, a, c)
		if err != nil {
			return err
		}
		var agent any
		if c.AgentID != 0 {
			agent = c.AgentID
		}
		if _, err := tx.exec(ctx, `UPDATE customers SET name = ?, last_name = ?, phone = ?, email = ?, source = ?, note = ?, external_id = ?,
			status_id = ?, agent_id = ?, follow_up_at = ?, contact_allowed_at = ?, custom = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND account_id = ?`,
			c.Name, c.LastName, c.Phone, c.Email, c.Source, c.Note, c.ExternalID, c.StatusID, agent,
			nullMicros(c.FollowUpAt), nullMicros(c.ContactAllowedAt), encodeCustom(c.Custom, false), micros(tx.now), id, a.AccountID); err != nil {
			return phoneConflict(err, c.Phone)
		}
		if kind == callsheet.StatusDoNotCall && oldStatus != c.StatusID {
			if err := recordDoNotCall(ctx, tx, a.AccountID, c.Phone, "Given a do-not-call status", tx.now); err != nil {
				return err
			}
		}
		detail := map[string]any{"campaign_id": c.CampaignID}
		if oldStatus != c.StatusID {
			detail["status_id"] = c.StatusID
		}
		if err := tx.audit(ctx, a, "customer.update", "customer", id, detail); err != nil {
			return err
		}
		out, err = findCustomerByID(ctx, tx, a, id)
		return err
	})
	return out, err
}

// DeleteCustomer implements callsheet.CustomerService.
func (s *CustomerService) DeleteCustomer(ctx context.Context, id int64) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		c, err := findCustomerByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM customers WHERE id = ? AND account_id = ?`, id, a.AccountID); err != nil {
			return err
		}
		return tx.audit(ctx, a, "customer.delete", "customer", id, map[string]any{"campaign_id": c.CampaignID, "phone": c.Phone})
	})
}

// CountCustomersByStatus implements callsheet.CustomerService.
func (s *CustomerService) CountCustomersByStatus(ctx context.Context, campaignID int64) ([]callsheet.StatusCount, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	// The counts are kept by the database (campaign_counts), in the
	// transactions that change customers: a few rows (on PostgreSQL, a
	// few shards of each), not a count.
	var w where
	campaignScope(&w, a, "c")
	w.add("k.campaign_id = ?", campaignID)
	rows, err := s.db.query(ctx, `SELECT k.status_id, sum(k.customers) FROM campaign_counts k JOIN campaigns c ON c.id = k.campaign_id
		WHERE `+w.String()+` GROUP BY k.status_id HAVING sum(k.customers) > 0 ORDER BY k.status_id`, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []callsheet.StatusCount{}
	for rows.Next() {
		var sc callsheet.StatusCount
		if err := rows.Scan(&sc.StatusID, &sc.Count); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}
