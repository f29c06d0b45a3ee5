package web

import (
	"reflect"
	"testing"
	"time"
)

// The card splits notes into their stamps and texts: the lines the card
// wrote, whoever wrote them and in whatever script, and the lines that
// came otherwise (an import, the API), which stay whole.
func TestNoteLines(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC)
	notes := stampNote(at, "רונית", "Call back on Sunday") + "\n" +
		stampNote(at.Add(-time.Hour), "Dana Levi", "לא ענתה: נסי שוב") + "\n" +
		"Imported: asked for a brochure\n" +
		"02-12-2026 10:3 not a stamp: kept whole\n" +
		"02-12-2026 10:30 no colon here"
	want := []noteLine{
		{When: "02-12-2026 10:30", Who: "רונית", Text: "Call back on Sunday"},
		{When: "02-12-2026 09:30", Who: "Dana Levi", Text: "לא ענתה: נסי שוב"},
		{Text: "Imported: asked for a brochure"},
		{Text: "02-12-2026 10:3 not a stamp: kept whole"},
		{Text: "02-12-2026 10:30 no colon here"},
	}
	if got := noteLines(notes); !reflect.DeepEqual(got, want) {
		t.Errorf("noteLines:\n got %q\nwant %q", got, want)
	}
}
