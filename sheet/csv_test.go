package sheet_test

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/callsheet/callsheet/sheet"
)

// rec and rowErr build expected items briefly.
func rec(line int, fields ...string) item { return item{Line: line, Fields: fields} }
func rowErr(line int, column, msg string) item {
	return item{Line: line, Column: column, Error: msg}
}

const (
	msgUnclosed  = `A quoted value that starts on this line is never closed. Check for a stray quote (") in the row.`
	msgAfterText = `A quoted value on this line has text after its closing quote ("). Put the whole value in quotes and double any quote inside it.`
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		header []string
		want   []item
	}{
		{
			name:   "plain LF",
			text:   "a,b\n1,2\n3,4\n",
			header: []string{"a", "b"},
			want:   []item{rec(2, "1", "2"), rec(3, "3", "4")},
		},
		{
			name:   "CRLF without final line end",
			text:   "a,b\r\n1,2\r\n3,4",
			header: []string{"a", "b"},
			want:   []item{rec(2, "1", "2"), rec(3, "3", "4")},
		},
		{
			name:   "old Mac CR",
			text:   "a,b\r1,2\r3,4\r",
			header: []string{"a", "b"},
			want:   []item{rec(2, "1", "2"), rec(3, "3", "4")},
		},
		{
			name:   "mixed line ends",
			text:   "a,b\r\n1,2\n3,4\r5,6",
			header: []string{"a", "b"},
			want:   []item{rec(2, "1", "2"), rec(3, "3", "4"), rec(4, "5", "6")},
		},
		{
			name:   "quoted delimiter, doubled quote, embedded line ends",
			text:   "name,note\r\n\"Cohen, Dana\",\"said \"\"hi\"\"\r\nthen left\nfor good\"\r\nAvi,ok\r\n",
			header: []string{"name", "note"},
			want:   []item{rec(2, "Cohen, Dana", "said \"hi\"\nthen left\nfor good"), rec(5, "Avi", "ok")},
		},
		{
			name:   "quotes inside an unquoted field are literal",
			text:   "item,size\nTV,5\" screen\nsign,say \"hi\" twice\n",
			header: []string{"item", "size"},
			want:   []item{rec(2, "TV", `5" screen`), rec(3, "sign", `say "hi" twice`)},
		},
		{
			name:   "spaces kept, except after a closing quote",
			text:   "a,b\n  x  ,\"y\"  \n",
			header: []string{"a", "b"},
			want:   []item{rec(2, "  x  ", "y")},
		},
		{
			name:   "empty fields and empty quoted fields",
			text:   "a,b,c\n,,x\n\"\",y,\n",
			header: []string{"a", "b", "c"},
			want:   []item{rec(2, "", "", "x"), rec(3, "", "y", "")},
		},
		{
			name:   "blank rows are skipped, lines still count",
			text:   "\n\na,b\n\n1,2\n , \n,\n\"\",\"\"\n3,4\n\n",
			header: []string{"a", "b"},
			want:   []item{rec(5, "1", "2"), rec(9, "3", "4")},
		},
		{
			name:   "trailing empty fields are trimmed, others are an error",
			text:   "a,b,c\n1,2,3,,\n1,2,3,4,5,6,\n1,2,3, ,\t\n",
			header: []string{"a", "b", "c"},
			want: []item{
				rec(2, "1", "2", "3"),
				rowErr(3, "", "Row has 6 fields but the header has 3."),
				rec(4, "1", "2", "3"),
			},
		},
		{
			name:   "too few fields",
			text:   "a,b,c,d,e\n1,2,3\n1,2,3,4,5\n",
			header: []string{"a", "b", "c", "d", "e"},
			want:   []item{rowErr(2, "", "Row has 3 fields but the header has 5."), rec(3, "1", "2", "3", "4", "5")},
		},
		{
			name:   "unclosed quote at the end of the file",
			text:   "a,b\n1,2\n1,\"two\n3,4\n5,6\n",
			header: []string{"a", "b"},
			want:   []item{rec(2, "1", "2"), rowErr(3, "b", msgUnclosed), rec(4, "3", "4"), rec(5, "5", "6")},
		},
		{
			name:   "text after a closing quote",
			text:   "a,b\n\"one\" more,2\n3,4\n",
			header: []string{"a", "b"},
			want:   []item{rowErr(2, "a", msgAfterText), rec(3, "3", "4")},
		},
		{
			name:   "stray quote closed by a later one",
			text:   "a,b\n\"1,2\n3,4\n5,\"6\"\n7,8\n",
			header: []string{"a", "b"},
			want:   []item{rowErr(2, "a", msgUnclosed), rec(3, "3", "4"), rec(4, "5", "6"), rec(5, "7", "8")},
		},
		{
			name:   "quote opened on the second line of a row",
			text:   "a,b,c\n\"x\ny\",\"open,z\n1,2,3\n",
			header: []string{"a", "b", "c"},
			want:   []item{rowErr(3, "b", msgUnclosed), rec(4, "1", "2", "3")},
		},
		{
			name:   "header with BOM, spaces, empty and repeated names",
			text:   "\uFEFF Name ,,Phone,Phone,Phone (2),\n1,2,3,4,5,6\n",
			header: []string{"Name", "Column 2", "Phone", "Phone (3)", "Phone (2)", "Column 6"},
			want:   []item{rec(2, "1", "2", "3", "4", "5", "6")},
		},
		{
			name:   "single column",
			text:   "phone\n0521234567\n0541234567\n",
			header: []string{"phone"},
			want:   []item{rec(2, "0521234567"), rec(3, "0541234567")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readString(t, tt.text, sheet.ReadOptions{})
			if !reflect.DeepEqual(got.Header, tt.header) {
				t.Errorf("Header = %q, want %q", got.Header, tt.header)
			}
			if !reflect.DeepEqual(got.Items, tt.want) {
				t.Errorf("items:\n got %+v\nwant %+v", got.Items, tt.want)
			}
		})
	}
}

// TestRunawayQuote checks that a quote that is never closed costs one row
// and not the rest of the file, however far the next quote is.
func TestRunawayQuote(t *testing.T) {
	good := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString("Dana Cohen,052-123-4567,row ")
			b.WriteString(strings.Repeat("x", i%7))
			b.WriteString("\r\n")
		}
		return b.String()
	}
	long := strings.Repeat("y", 40<<10)
	tests := []struct {
		name      string
		text      string
		wantGood  int
		errorLine int
	}{
		{"past 100 lines", "name,phone,note\r\nAvi,\"054,open\r\n" + good(300), 300, 2},
		{"past 100 lines, closed later", "name,phone,note\r\nAvi,\"054,open\r\n" + good(300) + "a,\"b\",c\r\n", 301, 2},
		{"past 64 KiB in few lines", "name,phone,note\r\nAvi,\"054,open\r\n" + "a,b," + long + "\r\n" + "a,b," + long + "\r\n" + good(5), 7, 2},
		{"at the end of the file", "name,phone,note\r\n" + good(50) + "Avi,054,\"open\r\n" + good(50), 100, 52},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readString(t, tt.text, sheet.ReadOptions{})
			errs := got.rowErrors()
			if len(errs) != 1 || errs[0].Line != tt.errorLine || errs[0].Error != msgUnclosed {
				t.Errorf("row errors = %+v, want one unclosed quote on line %d", errs, tt.errorLine)
			}
			if n := len(got.records()); n != tt.wantGood {
				t.Errorf("%d records, want %d", n, tt.wantGood)
			}
			// Every line but the bad one is read, in its place.
			line := 2
			for _, r := range got.records() {
				if line == tt.errorLine {
					line++
				}
				if r.Line != line {
					t.Fatalf("record on line %d, want line %d", r.Line, line)
				}
				line++
			}
		})
	}
}

func TestRowTooLong(t *testing.T) {
	text := "a,b\n1," + strings.Repeat("z", 2<<20) + "\n3,4\n"
	got := readString(t, text, sheet.ReadOptions{})
	want := []item{
		rowErr(2, "", "Row is too long: it has over 1 MiB of text or over 16384 fields."),
		rec(3, "3", "4"),
	}
	if !reflect.DeepEqual(got.Items, want) {
		t.Errorf("items = %.200v, want %+v", got.Items, want)
	}
}

func TestNoHeader(t *testing.T) {
	for name, text := range map[string]string{
		"empty":                "",
		"blank lines":          "\r\n\r\n  \r\n,,,\r\n",
		"unclosed header":      "name,\"phone\nDana,052\n",
		"only a BOM":           "\uFEFF",
		"utf-16 with only BOM": "\xFF\xFE",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sheet.Open(strings.NewReader(text), "x.csv", sheet.ReadOptions{})
			var fe *sheet.FileError
			if !errors.As(err, &fe) || fe.Message == "" {
				t.Errorf("Open = %v, want a *FileError", err)
			}
		})
	}
}

func TestReadOptions(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		file      string
		opt       sheet.ReadOptions
		format    string
		delimiter string
		header    []string
	}{
		{"comma", "a,b;c\n1,2;3\n", "x.csv", sheet.ReadOptions{}, "csv", ",", []string{"a", "b;c"}},
		{"semicolon with decimal commas", "name;amount;note\nDana;1,5;x\nAvi;2,75;y\n", "x.csv", sheet.ReadOptions{}, "csv", ";", []string{"name", "amount", "note"}},
		{"semicolon with quoted commas", "name;note\nDana;\"a, b, c\"\nAvi;\"d, e\"\n", "x.csv", sheet.ReadOptions{}, "csv", ";", []string{"name", "note"}},
		{"tab in a .txt file", "a\tb\n1\t2\n", "x.txt", sheet.ReadOptions{}, "tsv", "\t", []string{"a", "b"}},
		{"pipe", "a|b|c\n1|2|3\n", "x.csv", sheet.ReadOptions{}, "csv", "|", []string{"a", "b", "c"}},
		{"tie goes to comma", "a,b;c;d\n1,2\n", "x.csv", sheet.ReadOptions{}, "csv", ",", []string{"a", "b;c;d"}},
		{"consistency beats field count", "a;b;c,d,e,f\n1;2;3\n4;5;6\n7;8;9,x\n", "x.csv", sheet.ReadOptions{}, "csv", ";", []string{"a", "b", "c,d,e,f"}},
		{"one column defaults to comma", "phone\n052\n", "x.csv", sheet.ReadOptions{}, "csv", ",", []string{"phone"}},
		{".tsv extension means tabs", "a,b\tc\n1,2\t3\n", "x.TSV", sheet.ReadOptions{}, "tsv", "\t", []string{"a,b", "c"}},
		{"explicit tsv", "a,b\tc\n1,2\t3\n", "x.csv", sheet.ReadOptions{Format: "tsv"}, "tsv", "\t", []string{"a,b", "c"}},
		{"explicit delimiter", "a,b;c\n1,2;3\n", "x.csv", sheet.ReadOptions{Delimiter: ';'}, "csv", ";", []string{"a,b", "c"}},
		{"text named .xls", "a\tb\n1\t2\n", "export.xls", sheet.ReadOptions{}, "tsv", "\t", []string{"a", "b"}},
		{"explicit csv keeps sniffing", "a;b\n1;2\n", "x.tsv", sheet.ReadOptions{Format: "CSV"}, "csv", ";", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := openString(t, tt.text, tt.file, tt.opt)
			info := tb.Info()
			if info.Format != tt.format || info.Delimiter != tt.delimiter {
				t.Errorf("format %q, delimiter %q; want %q, %q", info.Format, info.Delimiter, tt.format, tt.delimiter)
			}
			if !reflect.DeepEqual(tb.Header(), tt.header) {
				t.Errorf("Header = %q, want %q", tb.Header(), tt.header)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name string
		data string
		file string
		opt  sheet.ReadOptions
		want string // part of the message
	}{
		{"old xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", "list.xls", sheet.ReadOptions{}, ".xls"},
		{"xlsx name, text content", "a,b\n1,2\n", "list.xlsx", sheet.ReadOptions{}, "not an Excel workbook"},
		{"xlsx asked, text content", "a,b\n1,2\n", "list.csv", sheet.ReadOptions{Format: "xlsx"}, "not an Excel workbook"},
		{"csv asked, zip content", "PK\x03\x04rest", "list.csv", sheet.ReadOptions{Format: "csv"}, "XLSX"},
		{"unknown format", "a,b\n", "list.csv", sheet.ReadOptions{Format: "ods"}, "Unknown file format"},
		{"unknown encoding", "a,b\n", "list.csv", sheet.ReadOptions{Encoding: "klingon"}, "Unknown encoding"},
		{"bad delimiter", "a,b\n", "list.csv", sheet.ReadOptions{Delimiter: '"'}, "delimiter"},
		{"non-ASCII delimiter", "a,b\n", "list.csv", sheet.ReadOptions{Delimiter: '،'}, "delimiter"},
		{"damaged zip", "PK\x03\x04 not really a zip", "list.xlsx", sheet.ReadOptions{}, "not a valid Excel workbook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := sheet.Open(strings.NewReader(tt.data), tt.file, tt.opt)
			if err == nil {
				tb.Close()
				t.Fatal("Open succeeded")
			}
			var fe *sheet.FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, tt.want) {
				t.Errorf("Open = %v, want a *FileError about %q", err, tt.want)
			}
		})
	}
}

// TestReadFailure checks that a failing reader stops reading with its
// error, rather than passing for the end of the file.
func TestReadFailure(t *testing.T) {
	boom := errors.New("connection reset")
	text := "a,b\n" + strings.Repeat("1,2\n", 50000)
	r := io.MultiReader(strings.NewReader(text), iotest.ErrReader(boom))
	tb, err := sheet.Open(r, "x.csv", sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	n := 0
	for {
		_, err = tb.Next()
		if err != nil {
			break
		}
		n++
	}
	if !errors.Is(err, boom) {
		t.Fatalf("after %d records Next = %v, want %v", n, err, boom)
	}
	if _, again := tb.Next(); !errors.Is(again, boom) {
		t.Errorf("Next after the failure = %v", again)
	}
}

func TestReadOneByteAtATime(t *testing.T) {
	text := "\uFEFFname,note\r\n\"Cohen, Dana\",\"two\r\nlines\"\r\n\"open,x\r\nAvi,\"ok\"  \r"
	want := []item{rec(2, "Cohen, Dana", "two\nlines"), rowErr(4, "name", msgUnclosed), rec(5, "Avi", "ok")}
	tb, err := sheet.Open(iotest.OneByteReader(strings.NewReader(text)), "x.csv", sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if got := readAll(t, tb); !reflect.DeepEqual(got.Items, want) {
		t.Errorf("items:\n got %+v\nwant %+v", got.Items, want)
	}
}

func TestNextAfterClose(t *testing.T) {
	tb := openString(t, "a,b\n1,2\n", "x.csv", sheet.ReadOptions{})
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close = %v, want an error", err)
	}
}

func TestRowErrorText(t *testing.T) {
	e := &sheet.RowError{Line: 7, Column: "Phone", Message: "Bad."}
	if got := e.Error(); got != `line 7, column "Phone": Bad.` {
		t.Errorf("Error() = %q", got)
	}
	e.Column = ""
	if got := e.Error(); got != "line 7: Bad." {
		t.Errorf("Error() = %q", got)
	}
}
