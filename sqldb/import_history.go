package sqldb

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

// FindSingleAdds implements callsheet.ImportJobStore. The adds are grouped in
// SQL by day, way in, maker, state and counts; a single add's counts are
// one outcome, so a day holds a handful of distinct counts however many
// adds it had, and those are summed here. Days are cut at the zone's
// midnights by the zone's offsets, worked out here and given as
// parameters, so both engines agree and summer time moves them as it
// should.
func (s *ImportStore) FindSingleAdds(ctx context.Context, f callsheet.SingleAddsFilter) ([]*callsheet.SingleAdds, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	if !f.Before.After(f.From) {
		return nil, callsheet.Errorf(callsheet.EINVALID, "The span of days must end after it starts.")
	}
	if f.Before.Sub(f.From) > callsheet.MaxSingleAddsDays*24*time.Hour {
		return nil, callsheet.Errorf(callsheet.EINVALID, "Single adds are summed over at most %d days at once.", callsheet.MaxSingleAddsDays)
	}
	// A day is told by arithmetic: while the zone keeps one offset from
	// UTC, an instant's local day is (instant + offset) / one day, counted
	// from 1970-01-01. The span is cut where the offset changes (summer
	// time), each part with its own; the cuts and offsets are parameters.
	var day strings.Builder
	var args []any
	day.WriteString("CASE")
	for t := f.From; t.Before(f.Before); {
		_, off := t.In(loc).Zone()
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || end.After(f.Before) {
			end = f.Before
		}
		day.WriteString(" WHEN created_at < ? THEN (created_at + ?) / 86400000000")
		args = append(args, micros(end), int64(off)*1e6)
		t = end
	}
	day.WriteString(" END") // the WHERE keeps every add within the span
	args = append(args, a.AccountID, f.CampaignID, micros(f.From), micros(f.Before))
	rows, err := s.db.query(ctx, `SELECT `+day.String()+`, source, COALESCE(user_id, 0), COALESCE(token_id, 0), state, applied, counts,
		count(*), MAX(created_at), MAX(created_by)
		FROM import_jobs WHERE account_id = ? AND campaign_id = ? AND single AND created_at >= ? AND created_at < ?
		GROUP BY 1, source, user_id, token_id, state, applied, counts`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		day         int64 // days since 1970-01-01, in the zone
		source      string
		user, token int64
	}
	lines := map[key]*callsheet.SingleAdds{}
	written := map[key]map[string]int{}
	latest := map[key]int64{}
	for rows.Next() {
		var k key
		var state, counts, by string
		var applied bool
		var n int
		var last int64
		if err := rows.Scan(&k.day, &k.source, &k.user, &k.token, &state, &applied, &counts, &n, &last, &by); err != nil {
			return nil, err
		}
		l := lines[k]
		if l == nil {
			y, m, d := time.Unix(k.day*86400, 0).UTC().Date()
			l = &callsheet.SingleAdds{Day: time.Date(y, m, d, 0, 0, 0, 0, loc), Source: k.source, UserID: k.user, TokenID: k.token}
			lines[k], written[k] = l, map[string]int{}
		}
		// The name is the latest group's: a token renamed during the day
		// shows by its new name.
		if last >= latest[k] {
			latest[k], l.CreatedBy, l.Last = last, by, fromMicros(last)
		}
		l.Adds += n
		var c map[string]int
		json.Unmarshal([]byte(counts), &c)
		if c["invalid"] > 0 {
			l.Invalid += n
		}
		switch {
		case state == string(callsheet.ImportUndone):
			l.Undone += n
		case state == string(callsheet.ImportDone) && applied:
			// Summed by name, so a count the domain adds later is summed too.
			for name, v := range c {
				written[k][name] += v * n
			}
		case state == string(callsheet.ImportDone), state == string(callsheet.ImportFailed), state == string(callsheet.ImportCancelled):
			l.Unwritten += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*callsheet.SingleAdds, 0, len(lines))
	for k, l := range lines {
		if err := json.Unmarshal([]byte(mustJSON(written[k])), &l.Written); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Day.Equal(out[j].Day) {
			return out[i].Day.After(out[j].Day)
		}
		if !out[i].Last.Equal(out[j].Last) {
			return out[i].Last.After(out[j].Last)
		}
		return out[i].Source+strconv.FormatInt(out[i].TokenID, 10)+"/"+strconv.FormatInt(out[i].UserID, 10) <
			out[j].Source+strconv.FormatInt(out[j].TokenID, 10)+"/"+strconv.FormatInt(out[j].UserID, 10)
	})
	return out, nil
}
