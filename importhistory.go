package callsheet

import "time"

// SingleAdds sums the single adds (ImportJob.Single) of a campaign made
// one way (Source), by one user or API token, on one day of a time zone:
// one line of the campaign's import history where a site sending two
// thousand leads a day would otherwise make two thousand. Each add stays
// a job of its own, with its outcome and its undo.
type SingleAdds struct {
	Day       time.Time // the day's first instant, in the zone asked for
	Source    string    // api or form
	UserID    int64     // the user who added them, or zero
	TokenID   int64     // the API token they came through, or zero
	CreatedBy string    // the user's or token's name, as the adds recorded it
	// Adds counts every single add of the day, whatever became of it.
	Adds int
	// Written sums the outcomes of the adds that wrote and stand (not
	// undone); Undone and Unwritten count the others: adds undone since,
	// and adds that wrote nothing (invalid, refused, dry runs, failed).
	Written   ImportCounts
	Undone    int
	Unwritten int
	// Invalid counts the adds whose customer could not be read.
	Invalid int
	// Last is when the latest of them was made.
	Last time.Time
}

// SingleAddsFilter asks for the single adds of a campaign over a span of
// days.
type SingleAddsFilter struct {
	CampaignID int64
	// Location is the time zone whose days the adds are summed by; nil
	// means UTC.
	Location *time.Location
	// From and Before bound when the adds were made, From included;
	// they may span at most MaxSingleAddsDays days.
	From, Before time.Time
}

// MaxSingleAddsDays bounds the span of days FindSingleAdds sums at once.
const MaxSingleAddsDays = 400
