package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
)

// Bounds of a request's query string, checked once for every route before
// any handler reads it. A search goes into a LIKE pattern, and SQLite
// refuses patterns over 50,000 bytes ("LIKE or GLOB pattern too complex")
// while PostgreSQL refuses text with a NUL byte; both would be server
// errors if they got that far. No page or integration needs more: a
// search box is one line, ids and options are short.
const (
	// maxQueryBytes bounds the whole query string, as sent (escaped).
	maxQueryBytes = 8 << 10
	// maxSearchChars bounds a search parameter, in characters.
	maxSearchChars = 200
	// maxParamChars bounds any other parameter's value, in characters.
	maxParamChars = 1000
	// maxParamNameChars bounds a parameter's name.
	maxParamNameChars = 100
)

// searchParams are the parameters that are searched for as text.
var searchParams = map[string]bool{"q": true, "phone": true}

// checkQuery reads a raw query string and reports the first thing wrong
// with it as a bad request naming the parameter.
func checkQuery(raw string) error {
	if raw == "" {
		return nil
	}
	if len(raw) > maxQueryBytes {
		return callsheet.Errorf(callsheet.EBADREQUEST, "The query string is %s long; it may be at most %s.", formatBytes(int64(len(raw))), formatBytes(maxQueryBytes))
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return callsheet.Errorf(callsheet.EBADREQUEST, "The query string could not be read: %v.", err)
	}
	for name, values := range q {
		switch problem, arg := checkParamText(name, maxParamNameChars); problem {
		case paramNotUTF8:
			return callsheet.Errorf(callsheet.EBADREQUEST, "A query parameter's name is not valid UTF-8 text.")
		case paramTooLong:
			return callsheet.Errorf(callsheet.EBADREQUEST, "A query parameter's name is %s characters long; it may be at most %s.", thousands(arg), thousands(maxParamNameChars))
		case paramControl:
			return callsheet.Errorf(callsheet.EBADREQUEST, "A query parameter's name holds the control character %s.", controlName(arg))
		}
		limit := maxParamChars
		if searchParams[name] {
			limit = maxSearchChars
		}
		for _, v := range values {
			switch problem, arg := checkParamText(v, limit); problem {
			case paramNotUTF8:
				return queryParamError(name, callsheet.Msg("The %s parameter is not valid UTF-8 text.", name))
			case paramTooLong:
				return queryParamError(name, callsheet.Msg("The %s parameter is %s characters long; it may be at most %s.", name, thousands(arg), thousands(limit)))
			case paramControl:
				return queryParamError(name, callsheet.Msg("The %s parameter holds the control character %s.", name, controlName(arg)))
			}
		}
	}
	return nil
}

// queryParamError is a bad request naming the parameter at fault, as
// badParam makes them, with its message as a catalogue key.
func queryParamError(name string, m callsheet.Message) error {
	return &callsheet.Error{Code: callsheet.EBADREQUEST, Message: m.String(), Fields: map[string]string{name: m.String()},
		Msg: m, FieldMsgs: map[string]callsheet.Message{name: m}}
}

// What may be wrong with a parameter's name or value.
const (
	paramOK = iota
	paramNotUTF8
	paramTooLong
	paramControl
)

// checkParamText says what is wrong with one name or value: a problem,
// with the length (for paramTooLong) or the control character
// (paramControl).
func checkParamText(s string, limit int) (problem, arg int) {
	if !utf8.ValidString(s) {
		return paramNotUTF8, 0
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return paramTooLong, n
	}
	if i := strings.IndexFunc(s, isControl); i >= 0 {
		return paramControl, int(s[i])
	}
	return paramOK, 0
}

// controlName names a control character as Unicode does: U+0000.
func controlName(c int) string { return fmt.Sprintf("U+%04X", c) }

// isControl reports the ASCII control characters, which no parameter
// needs and PostgreSQL refuses in text (NUL).
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// thousands writes n with thousands separators, as messages show counts;
// a numeral, so that a message shows it as it is.
func thousands(n int) numeral {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return numeral(s)
}

// boundQuery answers 400 to a request whose query string is over its
// bounds or holds what no parameter may, in the shape the route answers
// in: plain text for the simple form endpoint, the JSON error shape for
// the rest of the API, an error page for the UI.
func (s *Server) boundQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := checkQuery(r.URL.RawQuery)
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch {
		case r.URL.Path == "/api/simple/customers":
			s.textError(w, r, err)
		case strings.HasPrefix(r.URL.Path, "/api/"):
			writeAPIError(w, err)
		default:
			s.renderError(w, r, err)
		}
	})
}
