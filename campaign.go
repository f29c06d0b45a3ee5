package callsheet

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Campaign is a named list of customers that agents work.
type Campaign struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	Name      string    `json:"name"`
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// LastMapping is the field mapping of the campaign's last file import,
	// offered again next time: system field name to column header.
	LastMapping map[string]string `json:"last_mapping,omitempty"`
}

// Validate checks a campaign's fields.
func (c *Campaign) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return FieldErrors(map[string]string{"name": "Campaign name is required."})
	} else if utf8.RuneCountInString(c.Name) > 200 {
		return FieldErrors(map[string]string{"name": "Campaign name is longer than 200 characters."})
	}
	f := map[string]Message{}
	checkTextMsg(f, "name", Msg("Campaign name"), c.Name, false)
	return FieldErrorMsgs(f)
}

// CampaignFilter narrows FindCampaigns.
type CampaignFilter struct {
	ID       *int64
	Name     *string
	Archived *bool
	Offset   int
	Limit    int
}

// CampaignUpdate holds the fields of a campaign that can change.
type CampaignUpdate struct {
	Name     *string
	Archived *bool
}

// CampaignService manages campaigns.
type CampaignService interface {
	// FindCampaignByID returns a campaign of the actor's account; agents
	// find only the campaigns they work. Returns ENOTFOUND.
	FindCampaignByID(ctx context.Context, id int64) (*Campaign, error)

	// FindCampaigns returns campaigns and their total; agents get only the
	// campaigns they work.
	FindCampaigns(ctx context.Context, filter CampaignFilter) ([]*Campaign, int, error)

	// CreateCampaign creates a campaign. Admins only.
	// Returns EINVALID, ECONFLICT (name taken), EFORBIDDEN.
	CreateCampaign(ctx context.Context, c *Campaign) error

	// UpdateCampaign renames or archives a campaign. Admins only.
	// Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
	UpdateCampaign(ctx context.Context, id int64, upd CampaignUpdate) (*Campaign, error)
}
