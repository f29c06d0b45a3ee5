package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"html/template"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"golang.org/x/net/html"

	"github.com/callsheet/callsheet/i18n"
)

// Every string people read comes from the catalogues. These tests fail
// when a template holds readable text of its own, or when a template or
// the code asks for a key that a catalogue lacks.

// readableAttrs are the attributes whose values people read.
var readableAttrs = map[string]bool{"placeholder": true, "title": true, "aria-label": true, "alt": true, "label": true, "aria-description": true}

// untranslated are the words a template may hold as they are.
var untranslated = map[string]bool{"Callsheet": true}

var actionRE = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

func hasWords(s string) (string, bool) {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if !untranslated[w] {
			return w, true
		}
	}
	return "", false
}

func templateFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(assets, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := fs.ReadFile(assets, p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d templates", len(out))
	}
	return out
}

func TestTemplatesHoldNoText(t *testing.T) {
	for name, src := range templateFiles(t) {
		// Actions become a mark: what they print comes from elsewhere.
		stripped := actionRE.ReplaceAllStringFunc(src, func(a string) string {
			return strings.Repeat("\n", strings.Count(a, "\n")) + "\ue000"
		})
		z := html.NewTokenizer(strings.NewReader(stripped))
		line, skip := 1, ""
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			raw := string(z.Raw())
			tok := z.Token()
			switch tt {
			case html.TextToken:
				if skip == "" {
					if w, ok := hasWords(tok.Data); ok {
						t.Errorf("%s:%d: text %q (%q) is not from the catalogue: use {{t \"...\"}}", name, line, strings.TrimSpace(tok.Data), w)
					}
				}
			case html.StartTagToken, html.SelfClosingTagToken:
				if tok.Data == "script" || tok.Data == "style" {
					skip = tok.Data
				}
				isButton := false
				for _, a := range tok.Attr {
					if a.Key == "type" && (a.Val == "submit" || a.Val == "button" || a.Val == "reset") {
						isButton = true
					}
				}
				for _, a := range tok.Attr {
					if readableAttrs[a.Key] || (a.Key == "value" && isButton && tok.Data == "input") {
						if w, ok := hasWords(a.Val); ok {
							t.Errorf("%s:%d: attribute %s=%q (%q) is not from the catalogue", name, line, a.Key, a.Val, w)
						}
					}
				}
			case html.EndTagToken:
				if tok.Data == skip {
					skip = ""
				}
			}
			line += strings.Count(raw, "\n")
		}
	}
}

// templateKeys returns the string keys given to t in a template, by line.
func templateKeys(t *testing.T, name, src string) map[string]int {
	t.Helper()
	tmpl, err := template.New(name).Funcs(funcs).Funcs(templateFuncs(i18n.English)).Parse(src)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	keys := map[string]int{}
	var walk func(n parse.Node)
	pipe := func(p *parse.PipeNode) {
		if p == nil {
			return
		}
		for _, c := range p.Cmds {
			walk(c)
		}
	}
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			pipe(n.Pipe)
		case *parse.IfNode:
			pipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			pipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			pipe(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			pipe(n.Pipe)
		case *parse.PipeNode:
			pipe(n)
		case *parse.CommandNode:
			if len(n.Args) >= 2 {
				if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "t" {
					if s, ok := n.Args[1].(*parse.StringNode); ok {
						keys[s.Text] = strings.Count(src[:int(s.Pos)], "\n") + 1
					} else {
						t.Errorf("%s: t is given %s, not a string: keys are literals so this test can check them", name, n.Args[1])
					}
				}
			}
			for _, a := range n.Args {
				if p, ok := a.(*parse.PipeNode); ok {
					pipe(p)
				}
			}
		}
	}
	for _, tt := range tmpl.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root)
		}
	}
	return keys
}

func TestTemplateKeysInCatalogues(t *testing.T) {
	n := 0
	for name, src := range templateFiles(t) {
		for k, line := range templateKeys(t, name, src) {
			n++
			for _, lang := range i18n.Languages {
				if !i18n.Has(lang, k) {
					t.Errorf("%s:%d: key %q is not in the %s catalogue", name, line, k, lang)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("found only %d keys in the templates", n)
	}
}

// keyCalls are the functions whose argument at the index is a catalogue
// key, by name as called (package.Func or Func).
var keyCalls = map[string]int{
	"tr": 1, "Msg": 0, "callsheet.Msg": 0, "Errorf": 1, "callsheet.Errorf": 1,
	"i18n.T": 1, "i18n.Text": 1, "i18n.HTML": 1, "notFound": 0,
}

// TestCodeKeysInCatalogues checks the keys the code gives: the messages
// of errors, flashes and titles, in every package that makes them.
func TestCodeKeysInCatalogues(t *testing.T) {
	root := ".."
	var files []string
	for _, dir := range []string{".", "web", "sqldb", "importer", "sheet"} {
		m, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			// The API answers in English with stable codes: its own
			// messages are no keys.
			if strings.HasPrefix(filepath.Base(f), "api") && dir == "web" {
				continue
			}
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	fset := token.NewFileSet()
	n := 0
	check := func(lit *ast.BasicLit) {
		if lit == nil || lit.Kind != token.STRING {
			return
		}
		k, err := strconv.Unquote(lit.Value)
		if err != nil || k == "" {
			return
		}
		n++
		for _, lang := range i18n.Languages {
			if !i18n.Has(lang, k) {
				t.Errorf("%s: key %q is not in the %s catalogue", fset.Position(lit.Pos()), k, lang)
			}
		}
	}
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(node ast.Node) bool {
			switch x := node.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					if id, ok := fn.X.(*ast.Ident); ok {
						name = id.Name + "." + fn.Sel.Name
					}
				}
				if i, ok := keyCalls[name]; ok && i >= 0 && i < len(x.Args) {
					lit, _ := x.Args[i].(*ast.BasicLit)
					check(lit)
				}
			case *ast.AssignStmt:
				// fields["name"] = "Enter a name."
				if len(x.Lhs) == 1 && len(x.Rhs) == 1 {
					if _, ok := x.Lhs[0].(*ast.IndexExpr); ok {
						if lit, ok := x.Rhs[0].(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.Contains(lit.Value, " ") {
							check(lit)
						}
					}
				}
			case *ast.KeyValueExpr:
				// page{Title: "..."}, Error{Message: "..."}
				if id, ok := x.Key.(*ast.Ident); ok && (id.Name == "Title" || id.Name == "Message") {
					lit, _ := x.Value.(*ast.BasicLit)
					check(lit)
				}
			}
			return true
		})
	}
	t.Logf("%d keys in the code", n)
}
