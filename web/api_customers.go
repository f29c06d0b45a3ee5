package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

// customerSorts are the orders the customers list takes.
var customerSorts = map[string]callsheet.CustomerSort{
	"": callsheet.SortNewest, "newest": callsheet.SortNewest, "oldest": callsheet.SortOldest,
	"name": callsheet.SortName, "follow_up": callsheet.SortFollowUp, "updated": callsheet.SortUpdated,
}

func (s *Server) handleAPICustomers(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := callsheet.CustomerFilter{Limit: limit, Offset: offset}
	if f.CampaignID, err = queryID(r, "campaign", false); err != nil {
		return err
	}
	if f.StatusID, err = queryID(r, "status", false); err != nil {
		return err
	}
	if f.AgentID, err = queryID(r, "agent", true); err != nil {
		return err
	}
	if f.Blocked, err = queryBool(r, "blocked"); err != nil {
		return err
	}
	err = checkFilters(r.Context(), s.campaignFilter("campaign", f.CampaignID), s.statusFilter("status", f.StatusID), s.userFilter("agent", f.AgentID))
	if err != nil {
		return err
	}
	order, ok := customerSorts[q.Get("sort")]
	if !ok {
		return badParam("sort", "The sort parameter must be newest, oldest, name, follow_up or updated.")
	}
	f.Sort = order
	if text := strings.TrimSpace(q.Get("q")); text != "" {
		f.Text = &text
	}
	if phone := strings.TrimSpace(q.Get("phone")); phone != "" {
		// A number in international form is matched exactly. Another is
		// searched for by its digits, as the campaign page's search box
		// does, so 052-623-4567 finds +972526234567.
		if e164 := compactPhone(phone); callsheet.ValidE164(e164) {
			f.Phone = &e164
		} else if f.Text != nil {
			return badParam("phone", "With q, give phone in international form, such as +972526234567.")
		} else {
			f.Text = &phone
		}
	}
	list, total, err := s.Customers.FindCustomers(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listPage[*callsheet.Customer]{Items: list, Total: total, Limit: limit, Offset: offset})
	return nil
}

// compactPhone drops the spaces, dashes, dots and brackets people write
// in numbers.
func compactPhone(p string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\u00a0':
			return -1
		}
		return r
	}, p)
}

func (s *Server) handleAPICustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	c, err := s.Customers.FindCustomerByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) handleAPIDeleteCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	if err := s.Customers.DeleteCustomer(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchFields are the fields a PATCH may carry.
var patchFields = map[string]bool{"name": true, "last_name": true, "phone": true, "email": true, "source": true, "note": true, "external_id": true,
	"status_id": true, "agent_id": true, "follow_up_at": true, "contact_allowed_at": true, "custom": true}

// agentEditable are the fields an agent may change, as on the customer
// page: the rest is the admins' to change.
var agentEditable = map[string]bool{"status_id": true, "note": true, "follow_up_at": true}

func (s *Server) handleAPIUpdateCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	upd, err := customerUpdate(body, callsheet.ActorFromContext(r.Context()))
	if err != nil {
		return err
	}
	if upd.Phone != nil {
		// The phone is read as imports read it: national or international.
		e164, err := s.Imports.NormalizePhone(r.Context(), *upd.Phone, false)
		if err != nil {
			return err
		}
		upd.Phone = &e164
	}
	c, err := s.Customers.UpdateCustomer(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// customerUpdate reads the fields of a PATCH. A field left out is left as
// it is; null (or "") clears an agent, a date or a custom value.
func customerUpdate(body map[string]json.RawMessage, a *callsheet.Actor) (callsheet.CustomerUpdate, error) {
	var upd callsheet.CustomerUpdate
	fields := map[string]string{}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !a.IsAdmin() && patchFields[k] && !agentEditable[k] {
			return upd, callsheet.Errorf(callsheet.EFORBIDDEN, "Agents may change only status_id, note and follow_up_at; %s is for admins.", k)
		}
	}
	text := func(k string, dst **string) {
		var v string
		if err := json.Unmarshal(body[k], &v); err != nil {
			fields[k] = "Must be a string."
			return
		}
		*dst = &v
	}
	for _, k := range keys {
		raw := body[k]
		null := bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
		switch k {
		case "name":
			text(k, &upd.Name)
		case "last_name":
			text(k, &upd.LastName)
		case "email":
			text(k, &upd.Email)
		case "source":
			text(k, &upd.Source)
		case "note":
			text(k, &upd.Note)
		case "external_id":
			text(k, &upd.ExternalID)
		case "status_id":
			var v int64
			if err := json.Unmarshal(raw, &v); err != nil || v <= 0 {
				fields[k] = "Must be the id of a status."
				continue
			}
			upd.StatusID = &v
		case "agent_id":
			var v int64
			if !null {
				if err := json.Unmarshal(raw, &v); err != nil || v < 0 {
					fields[k] = "Must be the id of a user, or null to unassign."
					continue
				}
			}
			upd.AgentID = &v
		case "follow_up_at", "contact_allowed_at":
			t, err := jsonTime(raw)
			if err != nil {
				fields[k] = "Must be a date and time such as 2025-03-01T09:30:00+02:00, or null."
				continue
			}
			if k == "follow_up_at" {
				upd.FollowUpAt = &t
			} else {
				upd.ContactAllowedAt = &t
			}
		case "custom":
			custom, msg := customValues(raw)
			if msg != "" {
				fields[k] = msg
				continue
			}
			upd.Custom = custom
		case "phone":
			text(k, &upd.Phone)
		default:
			fields[k] = "Unknown field."
		}
	}
	return upd, callsheet.FieldErrors(fields)
}

// jsonTime reads an RFC 3339 time; null or "" is the zero time, which
// clears the date.
func jsonTime(raw json.RawMessage) (time.Time, error) {
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, err
	}
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, *s)
}

// customValues reads custom field values keyed by the field's id or by
// custom_field_<id>; null or "" removes a value.
func customValues(raw json.RawMessage) (map[int64]string, string) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, "Must be an object of custom field ids to values."
	}
	out := make(map[int64]string, len(m))
	for k, v := range m {
		id, err := strconv.ParseInt(strings.TrimPrefix(k, "custom_field_"), 10, 64)
		if err != nil || id <= 0 {
			return nil, "Unknown custom field " + strconv.Quote(k) + "."
		}
		val, ok := scalarText(v)
		if !ok {
			return nil, "The value of " + k + " must be a string or a number."
		}
		out[id] = val
	}
	return out, ""
}

// scalarText gives a JSON string, number or null as text.
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}
