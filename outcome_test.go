package callsheet_test

import (
	"testing"

	"github.com/callsheet/callsheet"
)

// The seed's rules for one row, each in the user's words.
func TestDecideOutcome(t *testing.T) {
	const (
		dup      = callsheet.FactDuplicate
		existing = callsheet.FactExisting
		other    = callsheet.FactInOtherCampaign
		unnamed  = callsheet.FactUnnamed
	)
	plain := callsheet.ImportOptions{Unique: callsheet.UniqueAny}
	with := func(f func(*callsheet.ImportOptions)) callsheet.ImportOptions {
		o := plain
		f(&o)
		return o
	}
	override := with(func(o *callsheet.ImportOptions) { o.Override = true })
	reset := with(func(o *callsheet.ImportOptions) { o.Reset = true })
	allowed := with(func(o *callsheet.ImportOptions) { o.UpdateContactAllowed = true })
	move := with(func(o *callsheet.ImportOptions) { o.Unique = callsheet.UniqueMove })
	onlyNew := with(func(o *callsheet.ImportOptions) { o.Unique = callsheet.UniqueOnlyNew })
	overrideReset := with(func(o *callsheet.ImportOptions) { o.Override, o.Reset = true, true })

	for _, tc := range []struct {
		name  string
		opts  callsheet.ImportOptions
		facts callsheet.RowFacts
		want  callsheet.Outcome
	}{
		{"a new customer is added", plain, 0, callsheet.OutcomeAdded},
		{"a new customer needs a name", plain, unnamed, callsheet.OutcomeInvalid},
		{"an existing customer keeps its own name", plain, existing | unnamed, callsheet.OutcomeSkippedExisting},
		{"an existing customer is left as it is", plain, existing, callsheet.OutcomeSkippedExisting},
		{"override updates an existing customer", override, existing, callsheet.OutcomeUpdated},
		{"override with no name still updates the other fields", override, existing | unnamed, callsheet.OutcomeUpdated},
		{"reset without override resets", reset, existing, callsheet.OutcomeReset},
		{"override and reset update (and reset)", overrideReset, existing, callsheet.OutcomeUpdated},
		{"update contact allowed changes every existing customer", allowed, existing, callsheet.OutcomeUpdated},
		{"a later row of a phone is a duplicate", override, dup | existing, callsheet.OutcomeDuplicate},
		{"a duplicate even without a name", plain, dup | unnamed, callsheet.OutcomeDuplicate},
		{"add regardless: another campaign does not matter", plain, other, callsheet.OutcomeAdded},
		{"move: another campaign's customer moves here", move, other, callsheet.OutcomeMoved},
		{"move: an unnamed customer of another campaign is invalid", move, other | unnamed, callsheet.OutcomeInvalid},
		{"move: already here, and elsewhere, is existing", move, existing | other, callsheet.OutcomeSkippedExisting},
		{"only new: another campaign's customer is skipped", onlyNew, other, callsheet.OutcomeSkippedOtherCampaign},
		{"only new: skipped even without a name", onlyNew, other | unnamed, callsheet.OutcomeSkippedOtherCampaign},
		{"only new: already here is existing, not other", onlyNew, existing | other, callsheet.OutcomeSkippedExisting},
		{"only new: override updates one already here", with(func(o *callsheet.ImportOptions) { o.Unique, o.Override = callsheet.UniqueOnlyNew, true }), existing | other, callsheet.OutcomeUpdated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := callsheet.DecideOutcome(tc.opts, tc.facts); got != tc.want {
				t.Fatalf("%v with facts %04b: %s, want %s", tc.opts, tc.facts, got, tc.want)
			}
		})
	}
}

// Every combination of options and facts has one outcome, and the
// outcomes that need a fact only come with it.
func TestDecideOutcomeEveryCombination(t *testing.T) {
	for _, o := range allOptions() {
		for f := callsheet.RowFacts(0); f < 16; f++ {
			got := callsheet.DecideOutcome(o, f)
			need := map[callsheet.Outcome]callsheet.RowFacts{
				callsheet.OutcomeDuplicate: callsheet.FactDuplicate, callsheet.OutcomeUpdated: callsheet.FactExisting,
				callsheet.OutcomeReset: callsheet.FactExisting, callsheet.OutcomeSkippedExisting: callsheet.FactExisting,
				callsheet.OutcomeSkippedOtherCampaign: callsheet.FactInOtherCampaign, callsheet.OutcomeMoved: callsheet.FactInOtherCampaign,
				callsheet.OutcomeInvalid: callsheet.FactUnnamed,
			}[got]
			if f&need != need {
				t.Errorf("%+v facts %04b: %s without its fact", o, f, got)
			}
			if got == callsheet.OutcomeAdded && f&(callsheet.FactDuplicate|callsheet.FactExisting|callsheet.FactUnnamed) != 0 {
				t.Errorf("%+v facts %04b: added", o, f)
			}
			if got == callsheet.OutcomeMoved && o.Unique != callsheet.UniqueMove || got == callsheet.OutcomeSkippedOtherCampaign && o.Unique != callsheet.UniqueOnlyNew {
				t.Errorf("%+v facts %04b: %s under unique %s", o, f, got, o.Unique)
			}
		}
	}
}

func TestOutcomeEffects(t *testing.T) {
	move := callsheet.ImportOptions{Unique: callsheet.UniqueMove}
	for _, tc := range []struct {
		name string
		out  callsheet.Outcome
		opts callsheet.ImportOptions
		want callsheet.OutcomeEffects
	}{
		{"added", callsheet.OutcomeAdded, callsheet.ImportOptions{}, callsheet.OutcomeEffects{Inserts: true, InCampaign: true, TakesStatus: true}},
		{"moved", callsheet.OutcomeMoved, move, callsheet.OutcomeEffects{Inserts: true, InCampaign: true, TakesStatus: true, RemovesOtherCopies: true}},
		{"updated keeps its status", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true}, callsheet.OutcomeEffects{Updates: true, InCampaign: true}},
		{"updated with reset takes the status", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true, Reset: true}, callsheet.OutcomeEffects{Updates: true, InCampaign: true, TakesStatus: true}},
		{"reset", callsheet.OutcomeReset, callsheet.ImportOptions{Reset: true}, callsheet.OutcomeEffects{Updates: true, InCampaign: true, TakesStatus: true}},
		{"skipped existing stays", callsheet.OutcomeSkippedExisting, callsheet.ImportOptions{}, callsheet.OutcomeEffects{InCampaign: true}},
		{"move leaves an existing customer nowhere else", callsheet.OutcomeSkippedExisting, move, callsheet.OutcomeEffects{InCampaign: true, RemovesOtherCopies: true}},
		{"a duplicate does nothing", callsheet.OutcomeDuplicate, move, callsheet.OutcomeEffects{}},
		{"an invalid row does nothing", callsheet.OutcomeInvalid, move, callsheet.OutcomeEffects{}},
		{"a skipped other-campaign row does nothing", callsheet.OutcomeSkippedOtherCampaign, callsheet.ImportOptions{Unique: callsheet.UniqueOnlyNew}, callsheet.OutcomeEffects{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.out.Effects(tc.opts); got != tc.want {
				t.Fatalf("%+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestOutcomeBlocked(t *testing.T) {
	newer := callsheet.BlockFacts{CallRequestNewer: true}
	dncStatus := callsheet.BlockFacts{StatusDoNotCall: true}
	for _, tc := range []struct {
		name  string
		out   callsheet.Outcome
		opts  callsheet.ImportOptions
		facts callsheet.BlockFacts
		want  bool
	}{
		{"a new customer on the register is added blocked", callsheet.OutcomeAdded, callsheet.ImportOptions{}, newer, true},
		{"update contact allowed unblocks it", callsheet.OutcomeAdded, callsheet.ImportOptions{UpdateContactAllowed: true}, newer, false},
		{"an existing customer who asked again stays blocked", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true}, newer, true},
		{"a customer not on the register is not blocked", callsheet.OutcomeAdded, callsheet.ImportOptions{}, callsheet.BlockFacts{}, false},
		{"a do-not-call upload blocks the customers it adds", callsheet.OutcomeAdded, callsheet.ImportOptions{}, dncStatus, true},
		{"a do-not-call upload blocks the customers it resets", callsheet.OutcomeReset, callsheet.ImportOptions{Reset: true}, dncStatus, true},
		{"but not those whose status it leaves", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true}, dncStatus, false},
		{"unless update contact allowed", callsheet.OutcomeAdded, callsheet.ImportOptions{UpdateContactAllowed: true}, dncStatus, false},
		{"a skipped customer is not reported blocked", callsheet.OutcomeSkippedExisting, callsheet.ImportOptions{}, newer, false},
		{"nor a duplicate", callsheet.OutcomeDuplicate, callsheet.ImportOptions{}, newer, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.out.Blocked(tc.opts, tc.facts); got != tc.want {
				t.Fatalf("blocked %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOutcomeMessages(t *testing.T) {
	for _, o := range callsheet.Outcomes {
		msg := o.Message(3, false)
		if o.Written() != (msg == "") {
			t.Errorf("%s: message %q", o, msg)
		}
		if o.Written() && o.Message(0, true) == "" {
			t.Errorf("%s: no message when blocked", o)
		}
	}
	if got := callsheet.OutcomeDuplicate.Message(7, false); got != "The phone is a duplicate of line 7." {
		t.Errorf("duplicate: %q", got)
	}
}

// allOptions is every combination of the options that decide outcomes:
// 2 × 2 × 2 × 3 = 24.
func allOptions() []callsheet.ImportOptions {
	var out []callsheet.ImportOptions
	for _, u := range []callsheet.UniqueMode{callsheet.UniqueAny, callsheet.UniqueMove, callsheet.UniqueOnlyNew} {
		for i := 0; i < 8; i++ {
			out = append(out, callsheet.ImportOptions{Override: i&1 != 0, Reset: i&2 != 0, UpdateContactAllowed: i&4 != 0, Unique: u})
		}
	}
	return out
}
