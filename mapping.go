package callsheet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode"
)

// ColumnWords splits a column's name into the lower-case words it is
// matched by, so that spellings of one name meet: case, spacing and
// punctuation ("Phone_Number", "phone number") do not count, quotes are
// dropped, since they mark abbreviations in Hebrew (דוא"ל, מס'), and so
// are Hebrew points (niqqud and cantillation, U+0591–U+05C7) and other
// combining marks. The Hebrew punctuation in that block (maqaf, paseq,
// sof pasuq, nun hafukha) separates words as other punctuation does. A
// change between letters and digits separates words too ("phone2").
func ColumnWords(s string) []string {
	var words []string
	var cur []rune
	var curDigit bool
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '\u05BE' || r == '\u05C0' || r == '\u05C3' || r == '\u05C6':
			flush() // Hebrew punctuation: maqaf, paseq, sof pasuq, nun hafukha
		case r >= '\u0591' && r <= '\u05C7', unicode.Is(unicode.Mn, r), strings.ContainsRune("'\"`´‘’“”״׳", r):
			// dropped
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			d := unicode.IsDigit(r)
			if len(cur) > 0 && d != curDigit {
				flush()
			}
			cur = append(cur, r)
			curDigit = d
		default:
			flush()
		}
	}
	flush()
	return words
}

// FoldColumnName is a column's name as mappings are remembered by: its
// words (see ColumnWords) joined by single spaces.
func FoldColumnName(s string) string { return strings.Join(ColumnWords(s), " ") }

// ColumnsKey names a file's set of columns, whatever their order and
// spelling: the folded names, sorted, without repeats, hashed (SHA-256,
// hex) so that a wide file still makes a short key.
func ColumnsKey(columns []string) string {
	folded := make([]string, 0, len(columns))
	for _, c := range columns {
		folded = append(folded, FoldColumnName(c))
	}
	slices.Sort(folded)
	folded = slices.Compact(folded)
	sum := sha256.Sum256([]byte(strings.Join(folded, "\x1f")))
	return hex.EncodeToString(sum[:])
}

// UnmatchedColumns returns the columns of a file's header that no field of
// the mapping (field -> column) takes, in the file's order: the columns an
// import leaves out.
func UnmatchedColumns(header []string, mapping map[string]string) []string {
	taken := make(map[string]bool, len(mapping))
	for _, col := range mapping {
		taken[col] = true
	}
	out := []string{}
	for _, h := range header {
		if !taken[h] {
			out = append(out, h)
		}
	}
	return out
}

// SavedMapping is the mapping an admin chose for a file, remembered for the
// account by the file's set of columns, so that the next file with those
// columns, in any campaign, is matched the same way.
type SavedMapping struct {
	AccountID int64 `json:"account_id"`
	// Columns are the file's column names, as they were.
	Columns []string `json:"columns"`
	// Mapping is field -> column name, as in an import job.
	Mapping map[string]string `json:"mapping"`
	// SavedBy is the name of the admin who chose it, SavedAt when.
	SavedBy string    `json:"saved_by"`
	SavedAt time.Time `json:"saved_at"`
}

// MaxRememberedColumns bounds the files whose mapping is remembered: wider
// ones (a spreadsheet's stray columns) are matched afresh each time.
const MaxRememberedColumns = 1000

// Validate checks a mapping to remember: every column it names is one of
// the file's.
func (m *SavedMapping) Validate() error {
	if len(m.Columns) == 0 {
		return FieldErrors(map[string]string{"columns": "A mapping is remembered for a file's columns; none were given."})
	}
	if len(m.Columns) > MaxRememberedColumns {
		return FieldErrorMsgs(map[string]Message{"columns": Msg("Mappings are remembered for files of at most %d columns.", MaxRememberedColumns)})
	}
	in := make(map[string]bool, len(m.Columns))
	for _, c := range m.Columns {
		in[c] = true
	}
	for field, col := range m.Mapping {
		if !in[col] {
			return FieldErrorMsgs(map[string]Message{"mapping": Msg("Field %s is matched to column %s, which the file does not have.", field, col)})
		}
	}
	return nil
}

// For returns the mapping translated to a header with the same set of
// columns, spelled perhaps differently ("Phone" where it said "phone"),
// keeping only the fields keep accepts (nil keeps all). Fields whose
// column the header lacks are left out.
func (m *SavedMapping) For(header []string, keep func(field string) bool) map[string]string {
	byFold := make(map[string]string, len(header))
	for _, h := range header {
		f := FoldColumnName(h)
		if _, ok := byFold[f]; !ok {
			byFold[f] = h
		}
	}
	out := map[string]string{}
	for field, col := range m.Mapping {
		if keep != nil && !keep(field) {
			continue
		}
		if h, ok := byFold[FoldColumnName(col)]; ok {
			out[field] = h
		}
	}
	return out
}

// MappingService remembers the mappings admins chose, per account, by the
// file's set of columns (see ColumnsKey).
type MappingService interface {
	// FindMappingByColumns returns the account's remembered mapping for a
	// file with these columns, in any order and spelling. Admins only.
	// Returns ENOTFOUND, EFORBIDDEN.
	FindMappingByColumns(ctx context.Context, columns []string) (*SavedMapping, error)

	// SaveMapping remembers a mapping for its columns, replacing the one
	// remembered for them before. Admins only. Returns EINVALID, EFORBIDDEN.
	SaveMapping(ctx context.Context, m *SavedMapping) error
}
