package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// sniffDelimiters are the delimiters tried when none is given, in order of
// preference for a tie.
var sniffDelimiters = []byte{',', ';', '\t', '|'}

// sniffRecords is how many records of the first peeked bytes are compared
// when sniffing the delimiter.
const sniffRecords = 50

// openCSV opens a delimited text file. head is the first bytes of br, not
// yet consumed.
func openCSV(br *bufio.Reader, head []byte, format string, opt ReadOptions) (Table, error) {
	atEOF := len(head) < peekSize

	enc, err := canonicalEncoding(opt.Encoding)
	if err != nil {
		return nil, err
	}
	if enc == "" {
		enc = detectEncoding(head, atEOF)
	}
	if bom := bomOf(enc); bom != nil && bytes.HasPrefix(head, bom) {
		if _, err := br.Discard(len(bom)); err != nil {
			return nil, fmt.Errorf("sheet: reading: %w", err)
		}
	}

	text := br
	if e := textEncoding(enc); e != nil {
		text = bufio.NewReaderSize(transform.NewReader(br, e.NewDecoder()), peekSize)
	}

	var delim byte
	switch {
	case opt.Delimiter != 0:
		if opt.Delimiter >= utf8.RuneSelf || opt.Delimiter == '"' || opt.Delimiter == '\r' || opt.Delimiter == '\n' {
			return nil, fileErrorf("The delimiter %s cannot be used: choose a single character such as a comma, a semicolon or a tab.", strconv.QuoteRune(opt.Delimiter))
		}
		delim = byte(opt.Delimiter)
	case format == "tsv":
		delim = '\t'
	default:
		textHead, err := text.Peek(peekSize)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("sheet: reading: %w", err)
		}
		delim = sniffDelimiter(textHead, len(textHead) < peekSize)
	}
	if format == "" {
		format = "csv"
		if delim == '\t' {
			format = "tsv"
		}
	}

	t := &csvTable{
		p:         newCSVParser(text, delim),
		checkUTF8: textEncoding(enc) == nil,
		info: FileInfo{
			Format:    format,
			Encoding:  enc,
			Delimiter: string(rune(delim)),
		},
	}
	if err := t.readHeader(); err != nil {
		return nil, err
	}
	return t, nil
}

// sniffDelimiter picks the delimiter that splits the first records of text
// most consistently: most records with the header's field count, then more
// fields, then the order of sniffDelimiters. atEOF says text is the whole
// file; otherwise its last, possibly cut, record is left out.
func sniffDelimiter(text []byte, atEOF bool) byte {
	best, bestConsistent, bestFields := sniffDelimiters[0], -1, 0
	for _, d := range sniffDelimiters {
		p := newCSVParser(bytes.NewReader(text), d)
		var counts []int
		for len(counts) <= sniffRecords {
			_, err := p.readRecord()
			if err == io.EOF {
				break
			}
			if err != nil || isBlank(p.rec) {
				continue
			}
			n := len(p.ends)
			for n > 1 && isBlank(p.rec[p.ends[n-2]:p.ends[n-1]]) {
				n-- // trailing empty fields, as Excel writes them, do not count
			}
			counts = append(counts, n)
		}
		if !atEOF && len(counts) > 1 {
			counts = counts[:len(counts)-1]
		}
		if len(counts) == 0 || counts[0] < 2 {
			continue
		}
		consistent := 0
		for _, n := range counts {
			if n == counts[0] {
				consistent++
			}
		}
		if consistent > bestConsistent || consistent == bestConsistent && counts[0] > bestFields {
			best, bestConsistent, bestFields = d, consistent, counts[0]
		}
	}
	return best
}

// csvTable reads a delimited text file.
type csvTable struct {
	p         *csvParser
	checkUTF8 bool // the text was not decoded, so each row must be checked
	info      FileInfo
	header    []string
	fields    []string
	err       error // sticky: io.EOF or a failure
}

func (t *csvTable) Header() []string { return t.header }
func (t *csvTable) Info() FileInfo   { return t.info }

func (t *csvTable) Close() error {
	if t.err == nil || t.err == io.EOF {
		t.err = errClosed
	}
	return nil
}

// readHeader reads the first non-blank record as the header.
func (t *csvTable) readHeader() error {
	for {
		line, err := t.p.readRecord()
		var pe *parseError
		switch {
		case err == io.EOF:
			return fileErrorf("The file is empty: it has no header row.")
		case errors.As(err, &pe):
			return fileErrorf("The header row (line %d) cannot be read: %s", line, t.rowError(pe).Msg)
		case err != nil:
			return err
		}
		if isBlank(t.p.rec) {
			continue
		}
		s := string(t.p.rec)
		names := make([]string, len(t.p.ends))
		for i := range t.p.ends {
			// A wrong encoding shows up as garbled names that the user
			// can see and fix, rather than as a file that cannot be opened.
			names[i] = strings.ToValidUTF8(s[t.p.fieldStart(i):t.p.ends[i]], "\uFFFD")
		}
		t.header = cleanHeader(names)
		t.fields = make([]string, len(t.header))
		return nil
	}
}

// fieldStart returns where field i starts in rec.
func (p *csvParser) fieldStart(i int) int {
	if i == 0 {
		return 0
	}
	return p.ends[i-1]
}

func (t *csvTable) Next() (Record, error) {
	if t.err != nil {
		return Record{}, t.err
	}
	p := t.p
	for {
		line, err := p.readRecord()
		if err != nil {
			var pe *parseError
			if errors.As(err, &pe) && pe.kind == errLineTooLong {
				re := t.rowError(pe)
				t.err = &FileError{Message: re.Message, Msg: re.Msg}
				return Record{}, t.err
			}
			if errors.As(err, &pe) {
				return Record{}, t.rowError(pe)
			}
			if err != io.EOF {
				err = fmt.Errorf("sheet: reading line %d: %w", line, err)
			}
			t.err = err
			return Record{}, err
		}
		if isBlank(p.rec) {
			continue
		}
		n, h := len(p.ends), len(t.header)
		// Trailing empty fields, as Excel writes for a wider sheet, do
		// not count.
		for n > h && isBlank(p.rec[p.ends[n-2]:p.ends[n-1]]) {
			n--
		}
		if n != h {
			return Record{}, rowErrorf(line, "Row has %d fields but the header has %d.", n, h)
		}
		data := p.rec[:p.ends[h-1]]
		if t.checkUTF8 && !utf8.Valid(data) {
			return Record{}, t.invalidUTF8(line)
		}
		s := string(data)
		for i := range t.fields {
			t.fields[i] = s[p.fieldStart(i):p.ends[i]]
		}
		return Record{Line: line, Fields: t.fields}, nil
	}
}

// invalidUTF8 reports a row that is not UTF-8 in a file read as UTF-8,
// naming the first column at fault.
func (t *csvTable) invalidUTF8(line int) *RowError {
	e := rowErrorf(line, "The text is not valid UTF-8. Choose the file's encoding (for example windows-1255 for a Hebrew Excel file) and upload it again.")
	for i := range t.header {
		if !utf8.Valid(t.p.rec[t.p.fieldStart(i):t.p.ends[i]]) {
			e.Column = t.header[i]
			break
		}
	}
	return e
}

// rowError turns a parser error into a message for the user.
func (t *csvTable) rowError(pe *parseError) *RowError {
	var e *RowError
	switch pe.kind {
	case errLineTooLong:
		e = rowErrorf(pe.line, "Line %d runs on for more than %d MiB without a line end, so the rest of the file cannot be read. Check that it is a CSV or TSV file and that its encoding is right.", pe.line, maxLineBytes>>20)
	case errUnclosedQuote:
		e = rowErrorf(pe.line, `A quoted value that starts on this line is never closed. Check for a stray quote (") in the row.`)
	case errTextAfterQuote:
		e = rowErrorf(pe.line, `A quoted value on this line has text after its closing quote ("). Put the whole value in quotes and double any quote inside it.`)
	default:
		e = rowErrorf(pe.line, "Row is too long: it has over %d MiB of text or over %d fields.", maxRecordBytes>>20, maxFields)
	}
	if pe.field >= 0 && pe.field < len(t.header) {
		e.Column = t.header[pe.field]
	}
	return e
}

// isBlank reports whether b holds nothing but white space.
func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
			if c < utf8.RuneSelf {
				return false
			}
			return len(bytes.TrimSpace(b)) == 0
		}
	}
	return true
}
