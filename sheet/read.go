// Package sheet reads customer files, as exported from Google Sheets or
// Excel, and turns their rows into customers' fields. It is pure: it reads
// what it is given and keeps nothing, and knows nothing of jobs, workers
// or the store, which the import engine (package importer) adds.
//
// Open reads a CSV, TSV or XLSX file (read.go, csv*.go, xlsx*.go),
// detecting its format, encoding (encoding.go) and delimiter, and refusing
// what is no customer file (sniff.go); Screen looks at an upload the same
// way before it is stored. SuggestMapping matches a header to the fields
// (header.go); a RowMapper turns each record into a callsheet.ImportRow
// (mapper.go), reading phones (phone.go) and dates (date.go) as people
// write them.
//
// Every reader is bounded while it reads, never after: the text of a cell,
// a row and a shared string, the number of shared strings, the bytes a
// workbook unpacks to and their ratio to the packed bytes, the size of any
// one piece of XML and its nesting; document type declarations are
// refused. A file over a bound fails at once with a *FileError that says
// which, or, where reading can go on, costs one row with a *RowError.
// hostile_test.go makes the files that showed the need, and holds each to
// 150 MB of heap and 10 seconds.
//
// Workbooks are read by the hand-written streaming reader in xlsx*.go, not
// by excelize (which the tests use to write workbooks), because it is
// faster and stays bounded. BenchmarkXLSXReaders measured, on 2 cores: for
// 100,000 rows of 10 columns as Excel saves them, 1.5 CPU-seconds and 35
// MiB of heap, against 12.8 CPU-seconds and 170 MiB for excelize's
// streaming Rows, which holds the shared strings and every part under 16
// MiB whole and formats each cell. excelize's unzip limits trust the sizes
// that the zip directory claims: a sheet that claims 1000 MiB and unpacks
// to 2 GiB took it past 2 GiB of memory in 5 seconds, one that claims 4
// KiB was read as 74 rows without an error, and 100 million nested
// elements took it past 2 GiB in 23 seconds. The reader here counts what
// it unpacks, and stops each hostile workbook in under 0.3 seconds and 16
// MiB of heap.
package sheet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/callsheet/callsheet"
)

// peekSize is how much of a file Open may look at before reading it, to
// detect its format, encoding and delimiter without holding the whole file.
const peekSize = 64 << 10

// ReadOptions says how to read a file. Zero values mean "detect".
type ReadOptions struct {
	// Format is "csv", "tsv", "xlsx", or "" to detect it: a zip archive is
	// read as XLSX, anything else by the name's extension, and CSV otherwise.
	Format string
	// Encoding is "auto" or "" to detect it, or one of Encodings() (or a
	// common alias such as "utf8", "cp1255", "hebrew" or "latin1").
	Encoding string
	// Delimiter is the field separator of a CSV or TSV file; 0 sniffs it
	// among ',' ';' '\t' and '|'.
	Delimiter rune
	// Sheet is the name of the XLSX sheet to read; "" reads the first one.
	Sheet string
}

// FileInfo says what was detected, so that a user can check it and correct
// it through ReadOptions when the guess was wrong.
type FileInfo struct {
	Format    string   // "csv", "tsv" or "xlsx"
	Encoding  string   // canonical name such as "utf-8" or "windows-1255"; "" for XLSX
	Delimiter string   // ",", ";", "\t" or "|"; "" for XLSX
	Sheet     string   // the XLSX sheet read
	Sheets    []string // all XLSX sheet names, in workbook order
}

// Record is one data row of a file.
type Record struct {
	// Line is where the row starts: for CSV and TSV the physical line
	// (1-based, so a header on the first line is line 1), for XLSX the
	// sheet's row number.
	Line int
	// Fields holds one value per header column, exactly len(Header()).
	// The slice is reused by the next call to Next: callers copy what they
	// keep.
	Fields []string
}

// RowError is a problem with one row. It does not stop reading: the caller
// reports it and calls Next again.
type RowError struct {
	Line    int
	Column  string // the header name of the column at fault; "" when the whole row is at fault
	Message string // a sentence for the user
	// Msg is Message as a catalogue message, for the user's language; a
	// zero Msg means Message is itself the key.
	Msg callsheet.Message
}

// rowErrorf returns a RowError of a line whose message is the catalogue
// key format with args.
func rowErrorf(line int, format string, args ...any) *RowError {
	m := callsheet.Msg(format, args...)
	return &RowError{Line: line, Message: m.String(), Msg: m}
}

// msg is the row's message as a catalogue message.
func (e *RowError) msg() callsheet.Message {
	if e.Msg.Key == "" {
		return callsheet.Msg(e.Message)
	}
	return e.Msg
}

// Error formats the problem with its line and column, as a user would look
// them up in the file.
func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, column %q: %s", e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// FileError says that a file cannot be read at all: it has no header row, or
// its format or encoding is not one Open can read. Message is meant for the
// user.
type FileError struct {
	Message string
	// Msg is Message as a catalogue message, for the user's language; a
	// zero Msg means Message is itself the key.
	Msg callsheet.Message
}

// Error returns the message as it is, since it is already written for a user.
func (e *FileError) Error() string { return e.Message }

// As lets errors.As find a FileError as the domain's invalid-input error,
// so that a file that fails while an import is under way, after its header
// was read, reports its message rather than an internal error.
func (e *FileError) As(target any) bool {
	if p, ok := target.(**callsheet.Error); ok {
		*p = e.DomainError()
		return true
	}
	return false
}

// DomainError is the invalid-input error of the file, its message on the
// file field.
func (e *FileError) DomainError() *callsheet.Error {
	m := e.Msg
	if m.Key == "" {
		m = callsheet.Msg(e.Message)
	}
	return &callsheet.Error{Code: callsheet.EINVALID, Message: e.Message, Fields: map[string]string{"file": e.Message},
		Msg: m, FieldMsgs: map[string]callsheet.Message{"file": m}}
}

// fileErrorf returns a FileError whose message is the catalogue key format
// with args. A format quotes names with %s and strconv.Quote, not %q,
// which the interface's isolation of names would garble.
func fileErrorf(format string, args ...any) *FileError {
	m := callsheet.Msg(format, args...)
	return &FileError{Message: m.String(), Msg: m}
}

// Table is an open file being read row by row.
type Table interface {
	// Header returns the header row, trimmed. Empty names become
	// "Column N" (1-based) and repeated names get " (2)", " (3)" appended,
	// so that every column can be told apart.
	Header() []string
	// Info says what was detected while opening the file.
	Info() FileInfo
	// Next returns the next data row. It returns a *RowError for a
	// malformed row (and the caller may call Next again), io.EOF at the
	// end, and any other error for a failure that stops reading. Entirely
	// blank rows are skipped silently. Record.Fields is valid until the
	// next call to Next.
	Next() (Record, error)
	// Close releases what Open acquired. It does not close the reader
	// given to Open.
	Close() error
}

// errClosed is returned by Next after Close.
var errClosed = errors.New("sheet: table is closed")

// Open reads a file's header and returns a Table positioned at the first
// data row.
//
// name is the uploaded file's name and is used for its extension only. r is
// read once, sequentially. XLSX needs random access, so for it Open spools r
// to a temporary file, removed by Close, unless r is an *os.File, which is
// then read in place from its current offset.
//
// A file with no header row, or in a format or encoding Open cannot read,
// gives a *FileError.
func Open(r io.Reader, name string, opt ReadOptions) (Table, error) {
	format, err := canonicalFormat(opt.Format)
	if err != nil {
		return nil, err
	}

	// The offset must be taken before anything is read, since the reads
	// below move it.
	file, _ := r.(*os.File)
	var fileOffset int64 = -1
	if file != nil {
		if off, err := file.Seek(0, io.SeekCurrent); err == nil {
			fileOffset = off
		}
	}

	br := bufio.NewReaderSize(r, peekSize)
	head, err := br.Peek(peekSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("sheet: reading %s: %w", name, err)
	}
	isZip := isZipHead(head)
	ext := extOf(name)

	// A file that is not text, such as a photo, a PDF or an old .xls
	// workbook, is refused whatever format is asked for: uploads are
	// refused before they are stored, and this refuses one stored before.
	if !isZip {
		if k := sniffHead(head, ext); k != nil {
			return nil, k.fileError(name)
		}
	}

	// A ".xls" name alone proves nothing: some systems export text under
	// that name, and it is read as text like any other.
	if format == "" {
		switch {
		case isZip:
			format = "xlsx"
		case ext == ".xlsx" || ext == ".xlsm":
			return nil, fileErrorf("The file is named %s but is not an Excel workbook. Save it again as .xlsx or as CSV.", ext)
		case ext == ".tsv" || ext == ".tab":
			format = "tsv"
		}
	}

	switch format {
	case "xlsx":
		if !isZip {
			return nil, fileErrorf("The file is not an Excel workbook (.xlsx). Choose another format or save the file again as .xlsx.")
		}
		// A file on disk is looked at in place as an upload is, so that
		// an archive that is no workbook is named as the upload would be.
		if file != nil && fileOffset >= 0 {
			if st, err := file.Stat(); err == nil && st.Mode().IsRegular() && st.Size() >= fileOffset {
				if k := zipKind(io.NewSectionReader(file, fileOffset, st.Size()-fileOffset), st.Size()-fileOffset, ext); k != nil {
					return nil, k.fileError(name)
				}
			}
		}
		return openXLSX(br, file, fileOffset, opt.Sheet)
	default:
		if isZip {
			return nil, fileErrorf("The file is an Excel workbook or another zip archive, not a text file. Choose the XLSX format to read it.")
		}
		return openCSV(br, head, format, opt)
	}
}

// canonicalFormat checks ReadOptions.Format; "" means detect.
func canonicalFormat(f string) (string, error) {
	switch s := strings.ToLower(strings.TrimSpace(f)); s {
	case "", "auto":
		return "", nil
	case "csv", "tsv", "xlsx":
		return s, nil
	default:
		return "", fileErrorf("Unknown file format %s: choose csv, tsv or xlsx.", strconv.Quote(f))
	}
}
