package callsheet

// Outcomes in people's words. The API, the jsonl export and the stored
// rows keep the codes (skipped_existing); every table, page and CSV meant
// for people shows these words instead, the same everywhere, so that a
// row's outcome reads as the report's tiles do.

// Label is the outcome in people's words, as something that happened:
// "Already here, skipped" for skipped_existing. An unknown outcome is
// shown as its code.
func (out Outcome) Label() string {
	switch out {
	case OutcomeAdded:
		return "Added"
	case OutcomeMoved:
		return "Moved here"
	case OutcomeUpdated:
		return "Updated"
	case OutcomeReset:
		return "Reset"
	case OutcomeSkippedExisting:
		return "Already here, skipped"
	case OutcomeSkippedOtherCampaign:
		return "In another campaign, skipped"
	case OutcomeDuplicate:
		return "Duplicate in the file"
	case OutcomeInvalid:
		return "Invalid"
	}
	return string(out)
}

// WouldLabel is the outcome in people's words as something that would
// happen, for an import that wrote nothing (a preview, or one refused for
// its invalid rows): "Would add" rather than "Added".
func (out Outcome) WouldLabel() string {
	switch out {
	case OutcomeAdded:
		return "Would add"
	case OutcomeMoved:
		return "Would move here"
	case OutcomeUpdated:
		return "Would update"
	case OutcomeReset:
		return "Would reset"
	case OutcomeSkippedExisting:
		return "Already here, would be skipped"
	case OutcomeSkippedOtherCampaign:
		return "In another campaign, would be skipped"
	}
	return out.Label()
}

// LabelFor is Label for an import that wrote its rows, WouldLabel for one
// that did not (see ImportJob.Applied).
func (out Outcome) LabelFor(applied bool) string {
	if applied {
		return out.Label()
	}
	return out.WouldLabel()
}

// LabelMsg is LabelFor as a catalogue message, so that pages show the
// outcome in the reader's language; the label is itself the key.
func (out Outcome) LabelMsg(applied bool) Message { return Msg(out.LabelFor(applied)) }
