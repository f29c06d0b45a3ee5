package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// badText is every C0 control character and DEL inside a name, and the
// common kinds of broken UTF-8: a stray continuation byte, a lead byte
// alone, an encoded surrogate, an overlong slash and a cut sequence.
func badText() []string {
	var out []string
	for b := 0; b < 0x20; b++ {
		out = append(out, "Ab"+string(rune(b))+"cd")
	}
	out = append(out, "Ab\x7fcd", "Ab\xffcd", "Ab\xc3cd", "Ab\xed\xa0\x80cd", "Ab\xc0\xafcd", "Ab\xe2\x82")
	return out
}

// textCase is one value in one field, and whether Callsheet takes it:
// only multi-line fields (the note and text custom fields) take a tab, a
// line feed or a carriage return; nothing takes another control character
// or broken UTF-8.
type textCase struct {
	field, value string
	ok           bool
}

func (c textCase) String() string { return fmt.Sprintf("%s=%q", c.field, c.value) }

// textFields are the customer's text fields as the API names them; custom
// is the key of a text custom field.
func textFields(custom string) []string {
	return []string{callsheet.FieldName, callsheet.FieldLastName, callsheet.FieldEmail, callsheet.FieldSource,
		callsheet.FieldNote, callsheet.FieldExternalID, custom}
}

func textCases(fields []string, all bool) []textCase {
	var out []textCase
	add := func(f, v string) {
		multiline := f == callsheet.FieldNote || strings.HasPrefix(f, "custom_field_")
		ok := multiline && (strings.Contains(v, "\t") || strings.Contains(v, "\n") || strings.Contains(v, "\r"))
		out = append(out, textCase{field: f, value: v, ok: ok})
	}
	bad := badText()
	if all {
		for _, f := range fields {
			for _, v := range bad {
				add(f, v)
			}
		}
		return out
	}
	// One request a value: each value goes to a field in turn, and every
	// field also gets a NUL, a tab and a stray byte.
	for i, v := range bad {
		add(fields[i%len(fields)], v)
	}
	for _, f := range fields {
		add(f, "Ab\x00cd")
		add(f, "Ab\tcd")
		add(f, "Ab\xffcd")
	}
	return out
}

// jsonString writes v as a JSON string as a careless client would: control
// characters escaped, but broken UTF-8 passed through as raw bytes (the
// standard encoder would have replaced them).
func jsonString(v string) string {
	if utf8.ValidString(v) {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return `"` + v + `"`
}

// jsonObject writes an object of string values with jsonString.
func jsonObject(m map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for k, v := range m {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(jsonString(k) + ":" + jsonString(v))
	}
	b.WriteByte('}')
	return b.String()
}

// TestControlCharacters sends every control character and broken UTF-8
// through every text field of every way in, on both engines: nothing
// answers 500, a refused value names its field (and line and column in a
// file), nothing refused is stored, and both engines store what they take
// exactly as it was sent.
func TestControlCharacters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newAPIEnvOn(t, db, true)
		field := &callsheet.CustomField{Label: "Budget", Type: callsheet.FieldText}
		if err := sqldb.NewCustomFieldService(e.db).CreateCustomField(e.f.AdminCtx, field); err != nil {
			t.Fatal(err)
		}
		custom := fmt.Sprintf("custom_field_%d", field.ID)
		fields := textFields(custom)
		phone := 0
		nextPhone := func() string { phone++; return fmt.Sprintf("052-6%02d-%04d", phone/10000, phone%10000) }
		e164 := func(p string) string { return "+97252" + strings.ReplaceAll(p[4:], "-", "") }

		stored := func(t *testing.T, p string) *callsheet.Customer {
			t.Helper()
			return e.customers(e.camp.ID)[e164(p)]
		}
		valueOf := func(c *callsheet.Customer, f string) string {
			switch f {
			case callsheet.FieldName:
				return c.Name
			case callsheet.FieldLastName:
				return c.LastName
			case callsheet.FieldEmail:
				return c.Email
			case callsheet.FieldSource:
				return c.Source
			case callsheet.FieldNote:
				return c.Note
			case callsheet.FieldExternalID:
				return c.ExternalID
			}
			return c.Custom[field.ID]
		}
		// check compares what an add did with what the case expects.
		check := func(t *testing.T, tc textCase, p string, status int, body []byte) {
			t.Helper()
			if status >= 500 {
				t.Fatalf("%v: %d %s", tc, status, body)
			}
			c := stored(t, p)
			if tc.ok {
				if c == nil || valueOf(c, tc.field) != tc.value {
					t.Fatalf("%v: %d %s: not stored as sent: %+v", tc, status, body, c)
				}
				return
			}
			if c != nil {
				t.Fatalf("%v: %d %s: stored %+v", tc, status, body, c)
			}
			if status < 400 {
				t.Fatalf("%v: %d %s: not refused", tc, status, body)
			}
			if !bytes.Contains(body, []byte(tc.field)) && !bytes.Contains(body, []byte("UTF-8")) && !bytes.Contains(body, []byte("Budget")) {
				t.Fatalf("%v: %d %s: the answer does not name the field", tc, status, body)
			}
		}
		name := func(tc textCase) string {
			if tc.field == callsheet.FieldName {
				return tc.value
			}
			return "Noa"
		}

		t.Run("api single add", func(t *testing.T) {
			for _, tc := range textCases(fields, false) {
				p := nextPhone()
				cust := map[string]string{"phone": p, "name": name(tc), tc.field: tc.value}
				if tc.field == callsheet.FieldEmail {
					cust[tc.field] = tc.value + "@example.com"
				}
				body := fmt.Sprintf(`{"campaign_id":%d,"customer":%s}`, e.camp.ID, jsonObject(cust))
				r := e.do(call{Method: "POST", Path: "/api/customers", Body: body, ContentType: "application/json"})
				check(t, tc, p, r.Status, r.Body)
			}
		})

		t.Run("api batch", func(t *testing.T) {
			cases := textCases(fields, true)
			phones := make([]string, len(cases))
			items := make([]string, len(cases))
			for i, tc := range cases {
				phones[i] = nextPhone()
				items[i] = jsonObject(map[string]string{"phone": phones[i], "name": name(tc), tc.field: tc.value})
			}
			// The broken UTF-8 makes the whole body unreadable JSON text:
			// it is refused whole, naming the byte, and nothing is stored.
			body := fmt.Sprintf(`{"campaign_id":%d,"options":{"load_valid":true},"customers":[%s]}`, e.camp.ID, strings.Join(items, ","))
			r := e.do(call{Method: "POST", Path: "/api/customers/batch", Body: body, ContentType: "application/json"})
			if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte("UTF-8")) {
				t.Fatalf("broken UTF-8 batch: %d %s", r.Status, r.Body)
			}
			for i := range cases {
				if c := stored(t, phones[i]); c != nil {
					t.Fatalf("a refused batch stored %+v", c)
				}
			}
			// The valid-UTF-8 cases, each row on its own.
			var keep []int
			for i, tc := range cases {
				if utf8.ValidString(tc.value) {
					keep = append(keep, i)
				}
			}
			items2 := make([]string, len(keep))
			for j, i := range keep {
				items2[j] = items[i]
			}
			body = fmt.Sprintf(`{"campaign_id":%d,"options":{"load_valid":true},"customers":[%s]}`, e.camp.ID, strings.Join(items2, ","))
			r = e.do(call{Method: "POST", Path: "/api/customers/batch", Body: body, ContentType: "application/json"}).want(t, http.StatusOK)
			var res struct {
				Results []apiRowResultJSON `json:"results"`
			}
			r.decode(t, &res)
			for j, i := range keep {
				tc, got := cases[i], res.Results[j]
				if tc.ok != (got.Outcome == "added") {
					t.Errorf("%v: %+v", tc, got)
				}
				if !tc.ok && got.Errors[tc.field] == "" {
					t.Errorf("%v: the result does not name the field: %+v", tc, got)
				}
				check(t, tc, phones[i], map[bool]int{true: 200, false: 422}[got.Outcome == "added"], []byte(tc.field))
			}
		})

		t.Run("compatible simple form", func(t *testing.T) {
			keys := map[string]string{callsheet.FieldExternalID: "crm_id"}
			for _, tc := range textCases(fields, false) {
				p := nextPhone()
				key := tc.field
				if k, ok := keys[key]; ok {
					key = k
				}
				v := url.Values{"token": {e.token}, "campaign": {strconv.FormatInt(e.camp.ID, 10)}, "number": {p}, "name": {name(tc)}}
				v.Set(key, tc.value)
				r := postForm(t, e.ts.URL, "/api/simple/customers", v, nil)
				if r.Status >= 400 && !bytes.Contains(r.Body, []byte("control character")) && !bytes.Contains(r.Body, []byte("UTF-8")) {
					t.Fatalf("%v: %d %s: the answer does not say why", tc, r.Status, r.Body)
				}
				check(t, tc, p, r.Status, append(r.Body, []byte(tc.field)...))
			}
		})

		t.Run("compatible v1 batch", func(t *testing.T) {
			keys := map[string]string{callsheet.FieldExternalID: "crm_id"}
			var cases []textCase
			var phones, items []string
			for _, tc := range textCases(fields, true) {
				if !utf8.ValidString(tc.value) {
					continue
				}
				key := tc.field
				if k, ok := keys[key]; ok {
					key = k
				}
				cases, phones = append(cases, tc), append(phones, nextPhone())
				items = append(items, jsonObject(map[string]string{"number": phones[len(phones)-1], "name": name(tc), key: tc.value}))
			}
			noAuth := map[string]string{"Authorization": ""}
			body := fmt.Sprintf(`{"token":%q,"campaign":%d,"customers":[%s]}`, e.token, e.camp.ID, strings.Join(items, ","))
			// A stray byte anywhere refuses the whole body.
			bad := strings.Replace(body, `"Noa"`, "\"No\xffa\"", 1)
			r := e.do(call{Method: "POST", Path: "/api/v1/customers", Body: bad, ContentType: "application/json", Header: noAuth})
			if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte("UTF-8")) {
				t.Fatalf("broken UTF-8: %d %s", r.Status, r.Body)
			}
			var res struct {
				Results []apiRowResultJSON `json:"results"`
			}
			e.do(call{Method: "POST", Path: "/api/v1/customers", Body: body, ContentType: "application/json", Header: noAuth}).want(t, http.StatusOK).decode(t, &res)
			for i, tc := range cases {
				got := res.Results[i]
				if tc.ok != (got.Outcome == "added") || !tc.ok && !strings.Contains(got.Message, "control character") {
					t.Errorf("%v: %+v", tc, got)
				}
				check(t, tc, phones[i], map[bool]int{true: 200, false: 422}[got.Outcome == "added"], []byte(tc.field))
			}
		})

		t.Run("file import", func(t *testing.T) {
			cases := textCases(fields, true)
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			header := []string{"Phone", "Name", "Last name", "Email", "Source", "Note", "External ID", "Budget"}
			w.Write(header)
			phones := make([]string, len(cases))
			lines := make([]int, len(cases))
			line := 2
			for i, tc := range cases {
				// A quoted line break (LF, or CR as old Mac files end
				// lines) makes the record span two lines; a row is named
				// by the line it starts on.
				lines[i] = line
				line += 1 + strings.Count(tc.value, "\n") + strings.Count(tc.value, "\r")
				phones[i] = nextPhone()
				row := []string{phones[i], "Noa", "", "", "", "", "", ""}
				for j, f := range fields {
					if f == tc.field {
						row[1+j] = tc.value
					}
				}
				w.Write(row)
			}
			w.Flush()
			mapping := map[string]string{"phone": "Phone", "name": "Name", "last_name": "Last name", "email": "Email", "source": "Source",
				"note": "Note", "external_id": "External ID", custom: "Budget"}
			mj, _ := json.Marshal(mapping)
			body, ctype := upload(t, "controls.csv", buf.String(), map[string]string{"campaign_id": strconv.FormatInt(e.camp.ID, 10),
				"load_valid": "true", "encoding": "utf-8", "mapping": string(mj)})
			var job map[string]any
			e.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ctype}).want(t, http.StatusAccepted).decode(t, &job)
			job = e.waitImport(id(job["id"]))
			if job["state"] != "done" {
				t.Fatalf("import %v", job)
			}
			var problems struct {
				Items []callsheet.RowResult
				Total int
			}
			e.get(fmt.Sprintf("/api/imports/%d/problems?limit=1000", id(job["id"]))).want(t, http.StatusOK).decode(t, &problems)
			byLine := map[int]callsheet.RowResult{}
			for _, p := range problems.Items {
				byLine[p.Line] = p
			}
			for i, tc := range cases {
				line := lines[i]
				p, refused := byLine[line]
				if tc.ok == refused {
					t.Errorf("line %d %v: problem %+v", line, tc, p)
					continue
				}
				if refused {
					col := header[1+indexOf(fields, tc.field)]
					if p.Column != col || p.Outcome != callsheet.OutcomeInvalid || !strings.Contains(p.Message, "control character") && !strings.Contains(p.Message, "UTF-8") {
						t.Errorf("line %d %v: problem %+v, want column %q", line, tc, p, col)
					}
				}
				if tc.ok {
					// A file's line breaks are read as line feeds, as
					// everywhere else in a file.
					tc.value = strings.ReplaceAll(tc.value, "\r", "\n")
				}
				check(t, tc, phones[i], map[bool]int{true: 200, false: 422}[!refused], []byte(tc.field))
			}
		})

		t.Run("patch", func(t *testing.T) {
			p := nextPhone()
			e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"phone": p, "name": "Base"}}).want(t, http.StatusCreated)
			c := stored(t, p)
			for _, tc := range textCases(fields, false) {
				key, val := tc.field, jsonString(tc.value)
				if key == custom {
					key, val = "custom", fmt.Sprintf(`{"%d":%s}`, field.ID, jsonString(tc.value))
				}
				r := e.do(call{Method: "PATCH", Path: fmt.Sprintf("/api/customers/%d", c.ID), Body: fmt.Sprintf(`{%q:%s}`, key, val), ContentType: "application/json"})
				if r.Status >= 500 {
					t.Fatalf("%v: %d %s", tc, r.Status, r.Body)
				}
				got := valueOf(stored(t, p), tc.field)
				if tc.ok != (r.Status == http.StatusOK) || tc.ok != (got == tc.value) {
					t.Fatalf("%v: %d %s, stored %q", tc, r.Status, r.Body, got)
				}
				if !tc.ok && !bytes.Contains(r.Body, []byte(tc.field)) && !bytes.Contains(r.Body, []byte("UTF-8")) && !bytes.Contains(r.Body, []byte(key)) {
					t.Fatalf("%v: %s: the answer does not name the field", tc, r.Body)
				}
			}
		})

		t.Run("ui add and card", func(t *testing.T) {
			cl := newClient(t, e.ts.URL)
			cl.login(e.f.Admin.Login, storetest.Password)
			addPath := fmt.Sprintf("/campaigns/%d/customers/new", e.camp.ID)
			uiFields := []string{callsheet.FieldName, callsheet.FieldLastName, callsheet.FieldEmail, callsheet.FieldSource, callsheet.FieldNote, custom}
			for _, tc := range textCases(uiFields, false) {
				p := nextPhone()
				cl.get(addPath)
				form := url.Values{"phone": {p}, "name": {name(tc)}}
				form.Set(tc.field, tc.value)
				status, body, _ := cl.post(addPath, form)
				if !tc.ok && status != http.StatusUnprocessableEntity {
					t.Fatalf("%v: %d", tc, status)
				}
				check(t, tc, p, status, []byte(body+tc.field))
			}
			// The card: an admin corrects the details.
			p := nextPhone()
			e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"phone": p, "name": "Base"}}).want(t, http.StatusCreated)
			c := stored(t, p)
			cardFields := []string{callsheet.FieldName, callsheet.FieldLastName, callsheet.FieldEmail, callsheet.FieldSource, callsheet.FieldExternalID}
			for _, tc := range textCases(cardFields, false) {
				path := fmt.Sprintf("/customers/%d", c.ID)
				cl.get(path)
				form := url.Values{"status": {strconv.FormatInt(c.StatusID, 10)}}
				form.Set(tc.field, tc.value)
				status, body, _ := cl.post(path, form)
				if status >= 500 || status != http.StatusUnprocessableEntity {
					t.Fatalf("%v: %d %s", tc, status, body)
				}
				if got := valueOf(stored(t, p), tc.field); got == tc.value {
					t.Fatalf("%v: stored", tc)
				}
			}
			// A note added on the card keeps its tab and line breaks, and
			// refuses a NUL.
			cl.get(fmt.Sprintf("/customers/%d", c.ID))
			if status, body, _ := cl.post(fmt.Sprintf("/customers/%d", c.ID), url.Values{"status": {strconv.FormatInt(c.StatusID, 10)}, "add_note": {"one\x00two"}}); status != http.StatusUnprocessableEntity {
				t.Fatalf("note with NUL: %d %s", status, body)
			}
			cl.get(fmt.Sprintf("/customers/%d", c.ID))
			if status, _, _ := cl.post(fmt.Sprintf("/customers/%d", c.ID), url.Values{"status": {strconv.FormatInt(c.StatusID, 10)}, "add_note": {"one\ttwo\nthree"}}); status != http.StatusSeeOther {
				t.Fatalf("note with tab: %d", status)
			}
			if got := stored(t, p).Note; !strings.HasSuffix(got, "one\ttwo\nthree") {
				t.Fatalf("note %q", got)
			}
		})
	})
}

// apiRowResultJSON is one result of a batch, as the API writes it.
type apiRowResultJSON struct {
	Index   int               `json:"index"`
	Outcome string            `json:"outcome"`
	Message string            `json:"message"`
	Errors  map[string]string `json:"errors"`
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
