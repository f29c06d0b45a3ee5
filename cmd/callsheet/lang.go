package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
)

// The command speaks English or Hebrew: the language --lang names, or
// else the environment's (LC_ALL, then LC_MESSAGES, then LANG, as POSIX
// reads them), English by default. Its --json output is English, with
// stable keys and values, whatever the language.

// langKey is the context key of the command line's language.
type langKey struct{}

// withLang returns ctx carrying the language of the command's messages.
func withLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// langOf is the language of the command's messages: the one ctx carries,
// or else the environment's.
func langOf(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok && i18n.Supported(l) {
		return l
	}
	return envLang()
}

// envLang is the environment's language: the first of LC_ALL, LC_MESSAGES
// and LANG that is set decides, so LC_ALL=C gives English whatever LANG
// says; "he_IL.UTF-8" gives Hebrew.
func envLang() string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if l := localeLang(v); l != "" {
			return l
		}
		return i18n.English
	}
	return i18n.English
}

// localeLang is the interface language of a POSIX locale name such as
// he_IL.UTF-8 or he_IL@euro, or "" for one Callsheet does not speak.
func localeLang(locale string) string {
	locale, _, _ = strings.Cut(locale, ".")
	locale, _, _ = strings.Cut(locale, "@")
	return i18n.Normalize(strings.ReplaceAll(locale, "_", "-"))
}

// splitLang takes --lang (or -lang) out of a command line, wherever it
// stands, and returns the language it names, "" when it names none, and
// the other arguments. Arguments after "--" are left alone.
func splitLang(args []string) (lang string, rest []string, err error) {
	rest = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return "", nil, callsheet.Errorf(callsheet.EINVALID, "--lang wants a language: en or he.")
			}
			i++
			value = args[i]
		}
		if lang = i18n.Normalize(value); lang == "" {
			return "", nil, callsheet.Errorf(callsheet.EINVALID, "--lang wants en or he, not %q.", value)
		}
	}
	return lang, rest, nil
}

// cliLang is the language of a command line's messages: its --lang, or
// else the environment's.
func cliLang(args []string) string {
	if l, _, err := splitLang(args); err == nil && l != "" {
		return l
	}
	return envLang()
}

// say translates a catalogue key for the terminal. Hebrew isolates the
// names among the arguments from the sentence around them (FSI...PDI),
// so that a Latin file name keeps its order in Hebrew text; English
// prints the arguments as they are, and so does a message the catalogue
// does not hold (which then is English, and may quote with %q).
func say(lang, key string, args ...any) string {
	if lang == i18n.English || !i18n.Has(lang, key) {
		return i18n.T(lang, key, args...)
	}
	return i18n.Text(lang, key, args...)
}

// sayMsg translates a domain message for the terminal.
func sayMsg(lang string, m callsheet.Message) string { return say(lang, m.Key, m.Args...) }

// sayln writes a translated line.
func sayln(w io.Writer, lang, key string, args ...any) {
	fmt.Fprintln(w, say(lang, key, args...))
}

// describe is describeIn in English.
func describe(err error) string { return describeIn(i18n.English, err) }

// describeIn turns an error into text for the terminal, in lang: a domain
// error's message, with the fields it complains about when there are
// several; any other error as it is.
func describeIn(lang string, err error) string {
	if f := callsheet.ErrorFieldMsgs(err); len(f) > 1 {
		s := sayMsg(lang, callsheet.ErrorMsg(err))
		keys := make([]string, 0, len(f))
		for k := range f {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s += "\n  " + k + ": " + sayMsg(lang, f[k])
		}
		return s
	}
	if callsheet.ErrorCode(err) != callsheet.EINTERNAL {
		return sayMsg(lang, callsheet.ErrorMsg(err))
	}
	return err.Error()
}

// newFlags returns the flag set of a command, whose usage speaks the
// command line's language. --lang is listed for -h; run takes it out of
// the arguments before the command sees them.
func newFlags(ctx context.Context, name string, stderr io.Writer) (*flag.FlagSet, string) {
	lang := langOf(ctx)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.String("lang", lang, say(lang, "language of the messages: en or he (default: from LC_ALL, LC_MESSAGES or LANG)"))
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), say(lang, "Usage of callsheet %s:", name))
		fs.PrintDefaults()
	}
	return fs, lang
}

// dbFlag is the --db flag every command has.
func dbFlag(fs *flag.FlagSet, lang string) *string {
	return fs.String("db", defaultDB(), say(lang, "SQLite file or postgres:// URL"))
}

// idText writes an id as it is typed back (no thousands separators).
func idText(id int64) string { return fmt.Sprint(id) }
