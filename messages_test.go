package callsheet

import (
	"reflect"
	"testing"
)

func TestStoredMessages(t *testing.T) {
	ms := []Message{
		Msg("Phone %s is not a valid number for %s (the numbering plan has no such number).", "12", "IL"),
		Msg("%s is longer than %d characters.", Msg("Name"), 100),
		Msg("%s contains a control character (%s) at character %d. Remove it and try again.", Msg("Custom field %s", "עיר"), Msg("tab"), int64(3)),
		Msg("Done."),
	}
	s := EncodeMessages(ms)
	got := DecodeMessages(s)
	if len(got) != len(ms) {
		t.Fatalf("read back %d messages from %s", len(got), s)
	}
	for i := range ms {
		if got[i].String() != ms[i].String() || got[i].Key != ms[i].Key {
			t.Errorf("message %d: %q, want %q", i, got[i], ms[i])
		}
	}
	// Nested messages stay messages, so they are translated too.
	if _, ok := got[1].Args[0].(Message); !ok {
		t.Errorf("a message argument read back as %T", got[1].Args[0])
	}
	if !reflect.DeepEqual(got[0].Args, []any{"12", "IL"}) {
		t.Errorf("string arguments: %#v", got[0].Args)
	}
	if EncodeMessages(nil) != "" || DecodeMessages("") != nil || DecodeMessages("not json") != nil {
		t.Error("no messages should be stored as nothing, and text that is not JSON read as none")
	}
}
