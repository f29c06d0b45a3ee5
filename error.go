package callsheet

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Only the web package maps them to HTTP statuses.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	EBADREQUEST   = "bad_request"  // the request itself could not be read
	ETOOLARGE     = "too_large"    // the request or file is over a limit
	ERATELIMIT    = "rate_limited" // too many requests; try again later
)

// Error is the one error type of the domain. Message is meant for the user;
// Fields, when set, names the offending fields (or columns) with a message
// for each, so forms and APIs can show them beside the right input.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string

	// Msg and FieldMsgs are the same messages as a catalogue key and its
	// arguments, so the interface can show them in the reader's language.
	// Where they are not set, Message and Fields are themselves the keys.
	Msg       Message
	FieldMsgs map[string]Message
}

// Message is text for people as the catalogues hold it: the key, which is
// the English text written as a fmt format, and its arguments. The API and
// the logs show String(), which is the English; the interface looks the
// key up in the reader's language (package i18n).
type Message struct {
	Key  string
	Args []any
}

// Msg returns the Message of key and args.
func Msg(key string, args ...any) Message { return Message{Key: key, Args: args} }

// String is the message in English.
func (m Message) String() string {
	if len(m.Args) == 0 {
		return m.Key
	}
	return fmt.Sprintf(m.Key, m.Args...)
}

// CatalogueKey lets package i18n translate a Message given as an argument.
func (m Message) CatalogueKey() (string, []any) { return m.Key, m.Args }

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("callsheet error: code=%s message=%s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k + ": " + e.Fields[k])
	}
	return fmt.Sprintf("callsheet error: code=%s message=%s fields=%s", e.Code, e.Message, b.String())
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Msg: Message{Key: format, Args: args}}
}

// FieldErrorMsgs is FieldErrors with messages that take arguments.
func FieldErrorMsgs(fields map[string]Message) error {
	if len(fields) == 0 {
		return nil
	}
	plain := make(map[string]string, len(fields))
	for k, m := range fields {
		plain[k] = m.String()
	}
	e := FieldErrors(plain).(*Error)
	e.FieldMsgs = fields
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.Msg = fields[keys[0]]
	if len(keys) > 1 {
		e.Msg = Msg("%s (and %d more)", fields[keys[0]], len(keys)-1)
	}
	return e
}

// FieldErrors returns an invalid-input error naming each field that failed.
// It returns nil when fields is empty, so it can end a Validate method.
func FieldErrors(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msg, m := fields[keys[0]], Msg(fields[keys[0]])
	if len(keys) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(keys)-1)
		m = Msg("%s (and %d more)", m, len(keys)-1)
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields, Msg: m}
}

// ErrorCode returns the code of an *Error in err's chain, or EINTERNAL for
// any other non-nil error. It returns "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of an *Error in err's chain.
// Other errors are internal and get a generic message, so that details of
// the machinery never reach users.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the field errors of an *Error in err's chain, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrorMsg is ErrorMessage as a catalogue key and arguments.
func ErrorMsg(err error) Message {
	var e *Error
	switch {
	case err == nil:
		return Message{}
	case !errors.As(err, &e):
		return Msg("Internal error.")
	case e.Msg.Key != "":
		return e.Msg
	}
	return Msg(e.Message)
}

// ErrorFieldMsgs is ErrorFields as catalogue keys and arguments.
func ErrorFieldMsgs(err error) map[string]Message {
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return nil
	}
	out := make(map[string]Message, len(e.Fields))
	for k, v := range e.Fields {
		if m, ok := e.FieldMsgs[k]; ok {
			out[k] = m
		} else {
			out[k] = Msg(v)
		}
	}
	return out
}
