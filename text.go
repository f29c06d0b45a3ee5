package callsheet

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Control characters in text.
//
// Callsheet refuses, rather than strips, text that holds a NUL or another
// C0 control character (U+0000 to U+001F) or DEL (U+007F), and text that is
// not valid UTF-8. Such a value is almost always a damaged file or a broken
// client, and dropping characters from it would change what the user sent
// without telling them. A customer row with such a value is an invalid row
// whose message names the line and the column; a form or API field with one
// is a field error. Both engines then hold exactly the same text:
// PostgreSQL cannot store a NUL in text at all, and SQLite could.
//
// Multi-line fields (a customer's note and the values of text custom
// fields) also take tab, line feed and carriage return, since notes pasted
// from a spreadsheet cell carry them.

// TextProblem says why v cannot be stored as text, or returns "" when it
// can. The message starts lower-case, to follow a field's label.
func TextProblem(v string, multiline bool) string {
	m, ok := TextProblemMsg("", v, multiline)
	if !ok {
		return ""
	}
	return strings.TrimPrefix(m.String(), " ")
}

// TextProblemMsg says why v cannot be stored as text, after the field's
// label (a string, or a Message to translate), as a catalogue message:
// "Name contains a control character (NUL) at character 3. Remove it and
// try again." It reports false when v can be stored.
func TextProblemMsg(label any, v string, multiline bool) (Message, bool) {
	for i := 0; i < len(v); {
		b := v[i]
		if b < utf8.RuneSelf {
			if (b < 0x20 || b == 0x7f) && !(multiline && (b == '\t' || b == '\n' || b == '\r')) {
				return Msg("%s contains a control character (%s) at character %d. Remove it and try again.", label, controlName(b), utf8.RuneCountInString(v[:i])+1), true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && n == 1 {
			return Msg("%s is not valid UTF-8 text (a stray byte 0x%02X at character %d). Save the file as UTF-8 or choose its encoding.", label, b, utf8.RuneCountInString(v[:i])+1), true
		}
		i += n
	}
	return Message{}, false
}

// controlName names a control character for a message, never the byte
// itself, so the message is safe to store and show: a code (NUL, DEL,
// U+0001), or words as a Message to translate.
func controlName(b byte) any {
	switch b {
	case 0:
		return "NUL"
	case '\t':
		return Msg("tab")
	case '\n':
		return Msg("line feed")
	case '\r':
		return Msg("carriage return")
	case 0x7f:
		return "DEL"
	}
	return fmt.Sprintf("U+%04X", b)
}

// checkText records a field error when v cannot be stored as text.
func checkText(f map[string]string, field, label, v string, multiline bool) {
	if _, ok := f[field]; ok {
		return
	}
	if p := TextProblem(v, multiline); p != "" {
		f[field] = label + " " + p
	}
}

// checkTextMsg is checkText for field messages given as catalogue
// messages (see FieldErrorMsgs), so that they can be translated: label is
// the field's label, a Message or a name.
func checkTextMsg(f map[string]Message, field string, label any, v string, multiline bool) {
	if _, ok := f[field]; ok {
		return
	}
	if m, ok := TextProblemMsg(label, v, multiline); ok {
		f[field] = m
	}
}

// CleanLabel makes a name that arrives from outside, such as an uploaded
// file's name, safe to store and show: control characters and invalid
// UTF-8 become U+FFFD, and it is cut to max characters. It is for names
// that describe data, never for the data itself.
func CleanLabel(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return strings.TrimSpace(s)
}
