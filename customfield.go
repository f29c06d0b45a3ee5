package callsheet

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CustomFieldType is the type of a custom field's values.
type CustomFieldType string

// Custom field types.
const (
	FieldText   CustomFieldType = "text"
	FieldNumber CustomFieldType = "number"
	FieldDate   CustomFieldType = "date"
)

// Valid reports whether t is a known type.
func (t CustomFieldType) Valid() bool {
	return t == FieldText || t == FieldNumber || t == FieldDate
}

// CustomField is an account-defined field of customers. Its ID is stable:
// integrations send values as custom_field_<id>.
type CustomField struct {
	ID        int64           `json:"id"`
	AccountID int64           `json:"account_id"`
	Label     string          `json:"label"`
	Type      CustomFieldType `json:"type"`
}

// Key is the name of the field in API payloads and exports.
func (f *CustomField) Key() string { return "custom_field_" + strconv.FormatInt(f.ID, 10) }

// Validate checks a custom field.
func (f *CustomField) Validate() error {
	m := map[string]Message{}
	f.Label = strings.TrimSpace(f.Label)
	if f.Label == "" {
		m["label"] = Msg("Label is required.")
	} else if utf8.RuneCountInString(f.Label) > 100 {
		m["label"] = Msg("Label is longer than 100 characters.")
	} else if IsSystemField(strings.ToLower(f.Label)) {
		m["label"] = Msg("Label %s is the name of a built-in field.", f.Label)
	}
	checkTextMsg(m, "label", Msg("Label"), f.Label, false)
	if !f.Type.Valid() {
		m["type"] = Msg("Type must be text, number or date.")
	}
	return FieldErrorMsgs(m)
}

// CustomFieldUpdate holds the fields of a custom field that can change.
type CustomFieldUpdate struct {
	Label *string
}

// CustomFieldService manages custom fields.
type CustomFieldService interface {
	// FindCustomFields returns the account's custom fields by id.
	FindCustomFields(ctx context.Context) ([]*CustomField, error)

	// CreateCustomField adds a field. Admins only.
	// Returns EINVALID, ECONFLICT (label taken), EFORBIDDEN.
	CreateCustomField(ctx context.Context, f *CustomField) error

	// UpdateCustomField relabels a field. Admins only.
	// Returns EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
	UpdateCustomField(ctx context.Context, id int64, upd CustomFieldUpdate) (*CustomField, error)

	// DeleteCustomField removes a field; customers' values for it are
	// dropped from view. Admins only. Returns ENOTFOUND, EFORBIDDEN.
	DeleteCustomField(ctx context.Context, id int64) error
}
