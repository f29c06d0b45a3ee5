package callsheet

import (
	"encoding/json"
	"fmt"
	"math"
)

// Messages are stored (an invalid row's problem) as JSON: each message its
// key and its arguments, each argument typed, so that it reads back as the
// same Message and can be shown in any language:
//
//	[{"k": "Phone %s is not a valid number for %s.", "a": [{"s": "12"}, {"s": "IL"}]}]
//
// An argument is a string ("s"), an integer ("i"), a number ("f") or a
// message ("m"); any other is stored as its text.

type storedMessage struct {
	Key  string      `json:"k"`
	Args []storedArg `json:"a,omitempty"`
}

type storedArg struct {
	S *string        `json:"s,omitempty"`
	I *int64         `json:"i,omitempty"`
	F *float64       `json:"f,omitempty"`
	M *storedMessage `json:"m,omitempty"`
}

func toStored(m Message) storedMessage {
	out := storedMessage{Key: m.Key}
	for _, a := range m.Args {
		var sa storedArg
		switch v := a.(type) {
		case string:
			sa.S = &v
		case int:
			n := int64(v)
			sa.I = &n
		case int64:
			sa.I = &v
		case int32:
			n := int64(v)
			sa.I = &n
		case uint8:
			n := int64(v)
			sa.I = &n
		case float64:
			sa.F = &v
		case Message:
			sm := toStored(v)
			sa.M = &sm
		default:
			s := fmt.Sprint(v)
			sa.S = &s
		}
		out.Args = append(out.Args, sa)
	}
	return out
}

func (sm storedMessage) message() Message {
	m := Message{Key: sm.Key}
	for _, a := range sm.Args {
		switch {
		case a.S != nil:
			m.Args = append(m.Args, *a.S)
		case a.I != nil:
			if *a.I >= math.MinInt && *a.I <= math.MaxInt {
				m.Args = append(m.Args, int(*a.I))
			} else {
				m.Args = append(m.Args, *a.I)
			}
		case a.F != nil:
			m.Args = append(m.Args, *a.F)
		case a.M != nil:
			m.Args = append(m.Args, a.M.message())
		default:
			m.Args = append(m.Args, "")
		}
	}
	return m
}

// EncodeMessages returns messages as the store keeps them; "" for none.
func EncodeMessages(ms []Message) string {
	if len(ms) == 0 {
		return ""
	}
	out := make([]storedMessage, len(ms))
	for i, m := range ms {
		out[i] = toStored(m)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return ""
	}
	return string(b)
}

// DecodeMessages reads messages the store kept; nil for "" or a text that
// is not such JSON.
func DecodeMessages(s string) []Message {
	if s == "" {
		return nil
	}
	var in []storedMessage
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil
	}
	out := make([]Message, len(in))
	for i, sm := range in {
		out[i] = sm.message()
	}
	return out
}
