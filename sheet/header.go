package sheet

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/callsheet/callsheet"
)

// cleanHeader trims the header names and makes every one non-empty and
// unique, so that columns can be named in a mapping and in row errors.
func cleanHeader(names []string) []string {
	out := make([]string, len(names))
	taken := make(map[string]bool, len(names))
	for i, n := range names {
		if i == 0 {
			n = strings.TrimPrefix(n, "\uFEFF")
		}
		// A header is a label, not data: control characters and broken
		// UTF-8 in it are replaced, so it can be stored and shown.
		n = callsheet.CleanLabel(n, 200)
		if n == "" {
			n = "Column " + strconv.Itoa(i+1)
		}
		out[i] = n
		taken[n] = true
	}
	seen := make(map[string]bool, len(names))
	for i, n := range out {
		if !seen[n] {
			seen[n] = true
			continue
		}
		// A later original name must keep its name, so a suffixed name
		// skips any name already in the header.
		for k := 2; ; k++ {
			c := fmt.Sprintf("%s (%d)", n, k)
			if !taken[c] && !seen[c] {
				out[i] = c
				seen[c] = true
				break
			}
		}
	}
	return out
}

// fieldSynonyms are the header names each system field is known by, in
// English and Hebrew, as real files spell them. Each is compared by its
// words (see callsheet.ColumnWords), so "Phone_Number", "phone number" and
// "PhoneNumber" are one spelling. The order of the fields breaks ties.
var fieldSynonyms = []struct {
	field string
	names []string
}{
	{"name", []string{"name", "first name", "full name", "given name", "forename", "customer name", "client name",
		"contact name", "lead name", "contact",
		"שם", "שם פרטי", "שם מלא", "שם לקוח", "שם הלקוח", "שם הליד", "איש קשר", "לקוח"}},
	{"last_name", []string{"last name", "surname", "family name", "second name",
		"שם משפחה", "משפחה"}},
	{"phone", []string{"phone", "phone number", "phone no", "mobile", "mobile phone", "mobile number", "cell", "cellphone",
		"cell phone", "cell number", "telephone", "telephone number", "tel", "contact number", "number",
		"טלפון", "טלפון נייד", "נייד", "פלאפון", "סלולרי", "סלולארי", "מספר טלפון", "מס טלפון", "מספר נייד", "מס נייד",
		"מספר פלאפון", "מספר"}},
	{"email", []string{"email", "e-mail", "mail", "email address", "e-mail address", "mail address",
		"מייל", `דוא"ל`, "דואר אלקטרוני", "אימייל", "אי מייל", "כתובת מייל", "כתובת אימייל", "כתובת דואר אלקטרוני"}},
	{"agent", []string{"agent", "agent name", "rep", "representative", "sales rep", "sales agent", "salesperson", "sales person",
		"owner", "lead owner", "contact owner", "account owner", "assigned to", "assigned", "assignee", "account manager",
		"נציג", "נציגה", "נציג מכירות", "נציגת מכירות", "סוכן", "סוכנת", "סוכן מכירות", "איש מכירות", "אשת מכירות",
		"אחראי", "אחראית", "מטפל", "מטפלת"}},
	{"follow_up_at", []string{"follow up", "follow-up", "follow up date", "follow up at", "followup", "next follow up",
		"callback", "call back", "callback date", "call back date", "next call",
		"תאריך חזרה", "מועד חזרה", "חזרה", "פולואפ", "פולו אפ", "תאריך פולואפ", "תאריך פולו אפ", "מועד פולואפ",
		"תזכורת", "תאריך תזכורת", "שיחה הבאה"}},
	{"created_at", []string{"created", "created at", "created on", "created date", "creation date", "original creation date",
		"date created", "date added", "lead date", "signup date", "registration date",
		"תאריך יצירה", "נוצר", "נוצר ב", "תאריך כניסה", "תאריך הרשמה", "תאריך פנייה", "תאריך קבלה", "תאריך ליד"}},
	{"source", []string{"source", "lead source", "utm source", "campaign source", "source name", "origin", "channel",
		"מקור", "מקור הגעה", "מקור ליד", "מקור הליד", "ערוץ", "ערוץ הגעה"}},
	{"note", []string{"note", "notes", "comment", "comments", "remarks", "description", "memo",
		"הערה", "הערות", "תיאור"}},
	{"external_id", []string{"crm id", "crm_id", "crm", "crm number", "external id", "id", "lead id", "record id",
		"contact id", "customer id", "client id", "customer number",
		"מזהה", "מזהה לקוח", "מזהה ליד", "מזהה crm", "מספר לקוח"}},
}

// genericWords say little on their own: a header that matches a field only
// through one of them loses to any other field it matches, so that
// "Agent name" goes to the agent rather than to the customer's name.
var genericWords = map[string]bool{
	"name": true, "שם": true, "number": true, "מספר": true, "id": true,
	"date": true, "תאריך": true, "at": true,
}

// Scores of a match between a header name and a synonym.
const (
	scoreExact       = 1000
	scoreExactCustom = 1001 // a custom label is the account's own word for the column
	weightWord       = 3
	weightGeneric    = 1
	bonusPrefix      = 1
)

// SuggestMapping proposes which column feeds each system field, from the
// header names, so that a user only has to correct the guess.
//
// The fields are name, last_name, phone, email, agent, follow_up_at,
// created_at, source, note and external_id, plus "custom:<label>" for each
// of customLabels. The result maps a field to a column index; each column
// feeds at most one field, and fields with no likely column are left out.
//
// Matching ignores case, spaces, punctuation such as '_' '-' '.', quotes
// (including Hebrew geresh and gershayim) and Hebrew points, and knows
// English and Hebrew synonyms. A header equal to a synonym wins over one
// that merely contains it, and a column goes to the field it names most
// specifically, so "name" never takes "Last name" or "שם משפחה". A custom
// label equal to a header name takes that column even from a system field,
// since the account chose that label.
func SuggestMapping(header []string, customLabels []string) map[string]int {
	type candidate struct {
		field  string
		order  int
		column int
		score  int
	}
	type synonym struct {
		field   string
		order   int
		tokens  []string
		compact string
		custom  bool
	}
	var syns []synonym
	for i, f := range fieldSynonyms {
		for _, n := range f.names {
			t := matchTokens(n)
			syns = append(syns, synonym{f.field, i, t, strings.Join(t, ""), false})
		}
	}
	for i, l := range customLabels {
		t := matchTokens(l)
		if len(t) == 0 {
			continue
		}
		syns = append(syns, synonym{"custom:" + l, len(fieldSynonyms) + i, t, strings.Join(t, ""), true})
	}

	var cands []candidate
	for col, h := range header {
		ht := matchTokens(h)
		if len(ht) == 0 {
			continue
		}
		hc := strings.Join(ht, "")
		best := map[string]candidate{}
		for _, s := range syns {
			score := 0
			switch {
			case hc == s.compact && s.custom:
				score = scoreExactCustom
			case hc == s.compact:
				score = scoreExact
			default:
				score = containsScore(ht, s.tokens)
			}
			if score > 0 && score > best[s.field].score {
				best[s.field] = candidate{s.field, s.order, col, score}
			}
		}
		// Only the fields that match this column best may take it.
		top := 0
		for _, c := range best {
			top = max(top, c.score)
		}
		for _, c := range best {
			if c.score == top {
				cands = append(cands, c)
			}
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.column, b.column), cmp.Compare(a.order, b.order))
	})

	out := map[string]int{}
	used := map[int]bool{}
	for _, c := range cands {
		if _, done := out[c.field]; done || used[c.column] {
			continue
		}
		out[c.field] = c.column
		used[c.column] = true
	}
	return out
}

// containsScore scores a header that contains the synonym's words in a
// row; it returns 0 if it does not.
func containsScore(header, syn []string) int {
	if len(syn) == 0 || len(syn) > len(header) {
		return 0
	}
	for i := 0; i+len(syn) <= len(header); i++ {
		ok := true
		for j, w := range syn {
			h := header[i+j]
			// Hebrew writes "the" as a prefix: "הלקוח" is "the customer".
			if h != w && h != "ה"+w {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		score := 0
		for _, w := range syn {
			if genericWords[w] {
				score += weightGeneric
			} else {
				score += weightWord
			}
		}
		if i == 0 {
			score += bonusPrefix
		}
		return score
	}
	return 0
}

// matchTokens splits a header name into the words it is matched by; see
// callsheet.ColumnWords, which remembered mappings fold names with too.
func matchTokens(s string) []string { return callsheet.ColumnWords(s) }

// UnmatchedColumns returns the columns of a file's header that no field of
// the mapping takes, in the file's order: the columns an import leaves
// out, for previews, reports, the API and the command line.
func UnmatchedColumns(header []string, mapping map[string]string) []string {
	return callsheet.UnmatchedColumns(header, mapping)
}
