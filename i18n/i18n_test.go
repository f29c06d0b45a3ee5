package i18n

import (
	"html/template"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// verbs lists a format's verbs, by argument, so that a translation is
// checked to take the same arguments as its key.
var verbRE = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

func verbs(format string) []string {
	var out []string
	n := 0
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			n = int(m[1][0] - '0')
		} else {
			n++
		}
		v := m[2]
		if v == "v" || v == "s" || v == "q" {
			v = "s"
		}
		out = append(out, string(rune('0'+n))+v)
	}
	sort.Strings(out)
	return dedupe(out)
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func hebrew(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hebrew, r) {
			return true
		}
	}
	return false
}

// TestCatalogues counts the two catalogues' keys and checks that each key
// has a Hebrew translation that takes the same arguments.
func TestCatalogues(t *testing.T) {
	en, he := Entries(English), Entries(Hebrew)
	t.Logf("catalogue keys: %d English, %d Hebrew", len(en), len(he))
	if len(en) == 0 || len(en) != len(he) {
		t.Errorf("the catalogues differ in size: %d English keys, %d Hebrew", len(en), len(he))
	}
	for k, e := range en {
		h, ok := he[k]
		if !ok {
			t.Errorf("%q has no Hebrew translation", k)
			continue
		}
		if e.Forms == nil && e.Text == "" {
			t.Errorf("%q: empty English text", k)
		}
		if (e.Forms == nil) != (h.Forms == nil) {
			t.Errorf("%q: a plural in one language and not in the other", k)
		}
		texts := []string{h.Text}
		if h.Forms != nil {
			texts = nil
			for _, f := range []string{"one", "two", "other"} {
				if h.Forms[f] == "" {
					t.Errorf("%q: the Hebrew plural has no %q form", k, f)
				}
			}
			for _, v := range h.Forms {
				texts = append(texts, v)
			}
		}
		for _, s := range texts {
			if !hebrew(s) {
				t.Errorf("%q: the Hebrew %q has no Hebrew letter", k, s)
			}
		}
		// A translation takes the key's arguments; plural forms may leave
		// the count out ("one customer").
		want := strings.Join(verbs(k), " ")
		if h.Forms == nil {
			if got := strings.Join(verbs(h.Text), " "); got != want {
				t.Errorf("%q: Hebrew %q takes arguments %q, the key %q", k, h.Text, got, want)
			}
			if got := strings.Join(verbs(e.Text), " "); got != want {
				t.Errorf("%q: English %q takes arguments %q, the key %q", k, e.Text, got, want)
			}
		} else if got := strings.Join(verbs(h.Forms["other"]), " "); got != want {
			t.Errorf("%q: Hebrew %q takes arguments %q, the key %q", k, h.Forms["other"], got, want)
		}
	}
	for k := range he {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in the Hebrew catalogue only", k)
		}
	}
}

func TestPlurals(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{English, 1, "1 customer"},
		{English, 2, "2 customers"},
		{English, 1234567, "1,234,567 customers"},
		{Hebrew, 1, "לקוח אחד"},
		{Hebrew, 2, "שני לקוחות"},
		{Hebrew, 3, "3 לקוחות"},
		{Hebrew, 20, "20 לקוחות"},
		{Hebrew, 1500, "1,500 לקוחות"},
	} {
		if got := T(c.lang, "%d customers", c.n); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestIsolation(t *testing.T) {
	got := HTML(Hebrew, "Page %d of %d", 2, 3)
	if got != "עמוד 2 מתוך 3" {
		t.Errorf("HTML: %q", got)
	}
	got = HTML(English, "%s (and %d more)", "<b>x.csv</b>", 2)
	if want := template.HTML("<bdi>&lt;b&gt;x.csv&lt;/b&gt;</bdi> (and 2 more)"); got != want {
		t.Errorf("HTML: %q, want %q", got, want)
	}
	if got := Text(Hebrew, "%s (and %d more)", "a.csv", 1); got != "\u2068a.csv\u2069 (ועוד 1)" {
		t.Errorf("Text: %q", got)
	}
	if got := T(Hebrew, "no such key %s"); got != "no such key %s" {
		t.Errorf("a message that is no key is shown as it is: %q", got)
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                        English,
		"he-IL,he;q=0.9,en;q=0.8": Hebrew,
		"en-US,en;q=0.9,he;q=0.5": English,
		"iw":                      Hebrew,
		"fr-FR":                   English,
		"fr,he;q=0.5":             Hebrew,
		"garbage;;;":              English,
	} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
}
