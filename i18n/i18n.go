// Package i18n holds Callsheet's interface languages: the catalogues of
// every string people read, in English and Hebrew, and the printers that
// format them.
//
// A catalogue key is the English text itself, written as a fmt format
// (gettext's way): "Campaign %s created." A caller that has no catalogue
// at hand, such as the API, formats the key with fmt and gets English;
// the interface looks the key up in the reader's language. The catalogues
// live in catalog/<area>.<lang>.json, one object per file whose values are
// either a string or, for a count, the forms of a plural:
//
//	"%d customers": {"one": "%d customer", "other": "%d customers"}
//
// The plural is chosen by the first argument unless "arg" names another
// (1-based). Forms are CLDR's categories (zero, one, two, few, many,
// other) or exact values ("=0"). Hebrew writes one, two and other; the
// older CLDR rules of golang.org/x/text still name a "many" for 20, 30,
// ..., which takes the "other" form when the file does not give one.
//
// Arguments that are text (names, phones, file names) are isolated from
// the sentence around them, so that a Latin file name inside Hebrew text,
// or a Hebrew campaign name inside English, keeps its own order: HTML puts
// each in a <bdi>, plain text between FIRST STRONG ISOLATE and POP
// DIRECTIONAL ISOLATE.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The interface languages, as BCP 47 base tags.
const (
	English = "en"
	Hebrew  = "he"
)

// Languages lists the interface languages, the default first.
var Languages = []string{English, Hebrew}

//go:embed catalog/*.json
var files embed.FS

var tags = map[string]language.Tag{English: language.English, Hebrew: language.Hebrew}

// Entry is one catalogue entry: a text, or plural forms.
type Entry struct {
	Text  string
	Forms map[string]string
	Arg   int
}

func (e *Entry) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.Text)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	e.Forms = map[string]string{}
	e.Arg = 1
	for k, v := range m {
		if k == "arg" {
			if err := json.Unmarshal(v, &e.Arg); err != nil {
				return err
			}
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("form %q: %w", k, err)
		}
		e.Forms[k] = s
	}
	if e.Forms["other"] == "" {
		return fmt.Errorf("plural forms without \"other\"")
	}
	return nil
}

type store struct {
	entries  map[string]map[string]Entry // lang → key → entry
	printers map[string]*message.Printer
	err      error
}

var (
	loadOnce sync.Once
	loaded   store
)

func load() *store {
	loadOnce.Do(func() { loaded = read(files) })
	if loaded.err != nil {
		panic("i18n: " + loaded.err.Error())
	}
	return &loaded
}

// formOrder is the order plural forms are given to the selector: exact
// values first, then the categories.
var formOrder = []string{"zero", "one", "two", "few", "many", "other"}

func read(fsys fs.FS) store {
	st := store{entries: map[string]map[string]Entry{}, printers: map[string]*message.Printer{}}
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	paths, err := fs.Glob(fsys, "catalog/*.json")
	if err != nil {
		st.err = err
		return st
	}
	for _, lang := range Languages {
		st.entries[lang] = map[string]Entry{}
	}
	for _, p := range paths {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "catalog/"), ".json")
		dot := strings.LastIndexByte(name, '.')
		lang := name[dot+1:]
		if _, ok := tags[lang]; dot < 0 || !ok {
			st.err = fmt.Errorf("%s: the file name must end in .<language>.json, one of %v", p, Languages)
			return st
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			st.err = err
			return st
		}
		var m map[string]Entry
		if err := json.Unmarshal(data, &m); err != nil {
			st.err = fmt.Errorf("%s: %w", p, err)
			return st
		}
		for k, e := range m {
			if old, dup := st.entries[lang][k]; dup {
				// Two areas may share a key if they agree on its text.
				if old.Text != e.Text || fmt.Sprint(old.Forms) != fmt.Sprint(e.Forms) {
					st.err = fmt.Errorf("%s: key %q is also in another %s file, translated otherwise", p, k, lang)
					return st
				}
				continue
			}
			st.entries[lang][k] = e
			if err := set(b, tags[lang], k, e); err != nil {
				st.err = fmt.Errorf("%s: %q: %w", p, k, err)
				return st
			}
		}
	}
	for lang, tag := range tags {
		st.printers[lang] = message.NewPrinter(tag, message.Catalog(b))
	}
	return st
}

func set(b *catalog.Builder, tag language.Tag, key string, e Entry) error {
	if e.Forms == nil {
		return b.SetString(tag, key, e.Text)
	}
	var cases []any
	for k, v := range e.Forms {
		if strings.HasPrefix(k, "=") {
			cases = append(cases, k, v)
		}
	}
	for _, k := range formOrder {
		v, ok := e.Forms[k]
		if !ok && k == "many" && tag == language.Hebrew {
			v, ok = e.Forms["other"], true
		}
		if ok {
			cases = append(cases, k, v)
		}
	}
	return b.Set(tag, key, plural.Selectf(e.Arg, "%d", cases...))
}

// Supported reports whether lang is an interface language.
func Supported(lang string) bool { _, ok := tags[lang]; return ok }

// Normalize returns the interface language a tag such as "he-IL" or "iw"
// names, or "" for one Callsheet does not speak.
func Normalize(tag string) string {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return ""
	}
	base, _ := t.Base()
	if Supported(base.String()) {
		return base.String()
	}
	return ""
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.Hebrew})

// FromAcceptLanguage picks the interface language for an Accept-Language
// header, English when it names neither.
func FromAcceptLanguage(header string) string {
	prefs, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(prefs) == 0 {
		return English
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return English
	}
	return Languages[i]
}

// Dir is the writing direction of a language: "rtl" or "ltr".
func Dir(lang string) string {
	if lang == Hebrew {
		return "rtl"
	}
	return "ltr"
}

// Name is the language's name in itself, for a language menu.
func Name(lang string) string {
	switch lang {
	case Hebrew:
		return "עברית"
	}
	return "English"
}

// ForCountry is the default language of a new account in a country.
func ForCountry(country string) string {
	if strings.EqualFold(country, "IL") {
		return Hebrew
	}
	return English
}

func printer(lang string) *message.Printer {
	st := load()
	if p, ok := st.printers[lang]; ok {
		return p
	}
	return st.printers[English]
}

// Has reports whether key is in the catalogue of lang.
func Has(lang, key string) bool {
	_, ok := load().entries[lang][key]
	return ok
}

// Entries returns a copy of lang's catalogue, for tests and tools.
func Entries(lang string) map[string]Entry {
	out := map[string]Entry{}
	for k, e := range load().entries[lang] {
		out[k] = e
	}
	return out
}

// Keys returns the keys of lang's catalogue, sorted.
func Keys(lang string) []string {
	var out []string
	for k := range load().entries[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Keyed is a message given as an argument (a domain message inside
// another): it is translated too, and is a sentence, not a name, so it is
// not isolated.
type Keyed interface {
	CatalogueKey() (key string, args []any)
}

// sentence is a translated Keyed argument.
type sentence string

// translated replaces the Keyed arguments by their translations.
func translated(lang string, args []any) []any {
	var out []any
	for i, v := range args {
		k, ok := v.(Keyed)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		key, a := k.CatalogueKey()
		out[i] = sentence(T(lang, key, a...))
	}
	if out == nil {
		return args
	}
	return out
}

// T formats key in lang, with no isolation: for logs of the reader's
// language, CSV cells and other places where text stands alone.
func T(lang, key string, args ...any) string {
	if len(args) == 0 && !Has(lang, key) {
		return key // not a format: a literal message from outside
	}
	args = translated(lang, args)
	for i, v := range args {
		if s, ok := v.(sentence); ok {
			args[i] = string(s)
		}
	}
	return printer(lang).Sprintf(key, args...)
}

// Text formats key in lang for plain text: each text argument is isolated
// between FSI and PDI, so a name keeps its own direction in the sentence.
func Text(lang, key string, args ...any) string {
	args = translated(lang, args)
	if !hasText(args) {
		return T(lang, key, args...)
	}
	a := make([]any, len(args))
	for i, v := range args {
		if s, ok := text(v); ok {
			a[i] = "\u2068" + s + "\u2069"
		} else {
			a[i] = v
		}
	}
	return printer(lang).Sprintf(key, a...)
}

// HTML formats key in lang as HTML: the translation is escaped, each text
// argument is escaped and put in a <bdi>, and template.HTML arguments
// (markup the caller built, such as a link) go in as they are.
func HTML(lang, key string, args ...any) template.HTML {
	args = translated(lang, args)
	if !hasText(args) {
		return template.HTML(template.HTMLEscapeString(T(lang, key, args...)))
	}
	a := make([]any, len(args))
	marks := make([]string, 0, len(args))
	for i, v := range args {
		var s string
		switch x := v.(type) {
		case template.HTML:
			s = string(x)
		case sentence:
			s = template.HTMLEscapeString(string(x))
		default:
			t, ok := text(v)
			if !ok {
				a[i] = v
				continue
			}
			s = "<bdi>" + template.HTMLEscapeString(t) + "</bdi>"
		}
		a[i] = fmt.Sprintf("\ue000%d\ue001", len(marks))
		marks = append(marks, s)
	}
	out := template.HTMLEscapeString(printer(lang).Sprintf(key, a...))
	for i, s := range marks {
		out = strings.Replace(out, fmt.Sprintf("\ue000%d\ue001", i), s, 1)
	}
	return template.HTML(out)
}

func hasText(args []any) bool {
	for _, v := range args {
		if _, ok := text(v); ok {
			return true
		}
		switch v.(type) {
		case template.HTML, sentence:
			return true
		}
	}
	return false
}

func text(v any) (string, bool) {
	switch x := v.(type) {
	case sentence:
		return "", false
	case string:
		return x, true
	case fmt.Stringer:
		return x.String(), true
	}
	return "", false
}
