package callsheet_test

import (
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
)

// TestOutcomeLabels: every outcome has words of its own, never its code,
// and the words of what would happen never say it happened.
func TestOutcomeLabels(t *testing.T) {
	seen := map[string]callsheet.Outcome{}
	for _, o := range callsheet.Outcomes {
		for _, l := range []string{o.Label(), o.WouldLabel()} {
			if l == "" || l == string(o) || strings.Contains(l, "_") {
				t.Errorf("%s is labelled %q", o, l)
			}
		}
		if prev, ok := seen[o.Label()]; ok {
			t.Errorf("%s and %s share the label %q", o, prev, o.Label())
		}
		seen[o.Label()] = o
		if o.Written() && !strings.HasPrefix(o.WouldLabel(), "Would") {
			t.Errorf("%s would be written, but reads %q", o, o.WouldLabel())
		}
		if o.LabelFor(true) != o.Label() || o.LabelFor(false) != o.WouldLabel() {
			t.Errorf("%s: LabelFor disagrees", o)
		}
	}
	if got := callsheet.OutcomeSkippedExisting.Label(); got != "Already here, skipped" {
		t.Errorf("skipped_existing reads %q, unlike its tile", got)
	}
	if got := callsheet.Outcome("new_code").Label(); got != "new_code" {
		t.Errorf("an unknown outcome reads %q", got)
	}
}
