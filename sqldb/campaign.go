package sqldb

import (
	"context"
	"encoding/json"

	"github.com/callsheet/callsheet"
)

// CampaignService implements callsheet.CampaignService.
type CampaignService struct{ db *DB }

// NewCampaignService returns the campaign service of db.
func NewCampaignService(db *DB) *CampaignService { return &CampaignService{db: db} }

var _ callsheet.CampaignService = (*CampaignService)(nil)

// FindCampaignByID implements callsheet.CampaignService.
func (s *CampaignService) FindCampaignByID(ctx context.Context, id int64) (*callsheet.Campaign, error) {
	cs, _, err := s.FindCampaigns(ctx, callsheet.CampaignFilter{ID: &id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, notFound("Campaign")
	}
	return cs[0], nil
}

// campaignScope restricts a query on campaigns (aliased by col) to what the
// actor may see: the account's, and for agents only those they work.
func campaignScope(w *where, a *callsheet.Actor, col string) {
	w.add(col+".account_id = ?", a.AccountID)
	if !a.IsAdmin() {
		w.add(col+".id IN (SELECT campaign_id FROM campaign_agents WHERE user_id = ?)", a.UserID)
	}
}

// FindCampaigns implements callsheet.CampaignService.
func (s *CampaignService) FindCampaigns(ctx context.Context, f callsheet.CampaignFilter) ([]*callsheet.Campaign, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	var w where
	campaignScope(&w, a, "c")
	if f.ID != nil {
		w.add("c.id = ?", *f.ID)
	}
	if f.Name != nil {
		w.add("c.name = ?", *f.Name)
	}
	if f.Archived != nil {
		w.add("c.archived = ?", *f.Archived)
	}
	page, pageArgs := limitOffset(w.args, f.Limit, f.Offset)
	rows, err := s.db.query(ctx, `SELECT c.id, c.account_id, c.name, c.archived, c.last_mapping, c.created_at, c.updated_at, count(*) OVER ()
		FROM campaigns c WHERE `+w.String()+` ORDER BY c.archived, c.name`+page, pageArgs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*callsheet.Campaign
	n := 0
	for rows.Next() {
		var c callsheet.Campaign
		var mapping string
		var created, updated int64
		if err := rows.Scan(&c.ID, &c.AccountID, &c.Name, &c.Archived, &mapping, &created, &updated, &n); err != nil {
			return nil, 0, err
		}
		if mapping != "" {
			json.Unmarshal([]byte(mapping), &c.LastMapping)
		}
		c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
		out = append(out, &c)
	}
	return out, n, rows.Err()
}

func campaignConflict(err error, name string) error {
	if callsheet.ErrorCode(err) != callsheet.ECONFLICT {
		return err
	}
	return withFields(callsheet.Errorf(callsheet.ECONFLICT, "A campaign named %s already exists.", name),
		map[string]string{"name": "This name is taken."})
}

// CreateCampaign implements callsheet.CampaignService.
func (s *CampaignService) CreateCampaign(ctx context.Context, c *callsheet.Campaign) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	c.AccountID = a.AccountID
	return s.db.withTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO campaigns (account_id, name, archived, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			a.AccountID, c.Name, c.Archived, micros(tx.now), micros(tx.now))
		if err != nil {
			return campaignConflict(err, c.Name)
		}
		c.ID, c.CreatedAt, c.UpdatedAt = id, tx.now, tx.now
		return tx.audit(ctx, a, "campaign.create", "campaign", id, map[string]string{"name": c.Name})
	})
}

// UpdateCampaign implements callsheet.CampaignService.
func (s *CampaignService) UpdateCampaign(ctx context.Context, id int64, upd callsheet.CampaignUpdate) (*callsheet.Campaign, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.FindCampaignByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		c.Name = *upd.Name
	}
	if upd.Archived != nil {
		c.Archived = *upd.Archived
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE campaigns SET name = ?, archived = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
			c.Name, c.Archived, micros(tx.now), id, a.AccountID); err != nil {
			return campaignConflict(err, c.Name)
		}
		c.UpdatedAt = tx.now
		return tx.audit(ctx, a, "campaign.update", "campaign", id, map[string]any{"name": c.Name, "archived": c.Archived})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
