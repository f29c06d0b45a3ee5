package sheet

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
)

// maxColumns is Excel's own limit (column XFD). It also keeps a damaged
// cell reference from making a row of millions of cells.
const maxColumns = 16384

// openXLSX opens the chosen sheet of a workbook. file, when not nil and
// seekable (offset >= 0), is read in place; otherwise br is spooled to a
// temporary file, since a zip archive is read from its end.
func openXLSX(br *bufio.Reader, file *os.File, offset int64, sheet string) (t Table, err error) {
	x := &xlsxTable{}
	defer func() {
		if err != nil {
			x.Close()
		}
	}()

	var ra io.ReaderAt
	var size int64
	if file != nil && offset >= 0 {
		if st, err := file.Stat(); err == nil && st.Mode().IsRegular() && st.Size() >= offset {
			ra, size = io.NewSectionReader(file, offset, st.Size()-offset), st.Size()-offset
		}
	}
	if ra == nil {
		tmp, err := os.CreateTemp("", "callsheet-import-*.xlsx")
		if err != nil {
			return nil, fmt.Errorf("sheet: spooling workbook: %w", err)
		}
		x.tmp = tmp
		// Where the system allows it, the file goes away now and lives on
		// only through the open handle, so nothing is left behind even if
		// Close is never called.
		if os.Remove(tmp.Name()) == nil {
			x.tmpRemoved = true
		}
		n, err := io.Copy(tmp, io.LimitReader(br, maxWorkbookBytes+1))
		if err != nil {
			return nil, fmt.Errorf("sheet: spooling workbook: %w", err)
		}
		if n > maxWorkbookBytes {
			return nil, fileErrorf("The workbook is larger than %d GiB, which is more than can be imported at once. Split it into smaller files.", maxWorkbookBytes>>30)
		}
		ra, size = tmp, n
	}

	zr, err := openZip(ra, size)
	if err != nil {
		return nil, err
	}
	wb, err := loadWorkbook(zr, size)
	if err != nil {
		return nil, err
	}
	x.wb = wb

	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		names[i] = s.name
	}
	if len(names) == 0 {
		return nil, fileErrorf("The Excel workbook has no sheets.")
	}
	ref, ok := pickSheet(wb.sheets, sheet)
	if !ok {
		return nil, fileErrorf("The workbook has no sheet named %s. Its sheets are: %s.", strconv.Quote(sheet), quoteList(names))
	}
	x.info = FileInfo{Format: "xlsx", Sheet: ref.name, Sheets: names}

	sx, err := wb.open(ref.path, callsheet.Msg("sheet %s", strconv.Quote(ref.name)))
	if err != nil {
		if err == errNoFile {
			return nil, fileErrorf("The sheet %s is missing from the workbook. Open it in Excel and save it again.", strconv.Quote(ref.name))
		}
		return nil, damaged(err)
	}
	x.x = sx

	if err := x.readHeader(); err != nil {
		return nil, err
	}
	return x, nil
}

// maxEntries bounds the files in a workbook's zip, and maxDirectory the
// bytes of its directory: archive/zip holds a record of every entry in
// memory, and reads the directory to its end whatever count it declares,
// before any other bound can be checked.
const (
	maxEntries   = 10000
	maxDirectory = 4 << 20
)

// openZip reads the directory of a zip archive within maxEntries and
// maxDirectory.
func openZip(ra io.ReaderAt, size int64) (*zip.Reader, error) {
	if n, ok := declaredEntries(ra, size); ok && n > maxEntries {
		return nil, fileErrorf("The workbook's zip holds more than %s files, which no workbook needs, so it cannot be read.", formatCount(maxEntries))
	}
	// Finding the directory reads up to 64 KiB from the end; the rest of
	// the budget is the directory itself.
	lr := &limitedReaderAt{ra: ra, left: maxDirectory + 128<<10}
	zr, err := zip.NewReader(lr, size)
	if lr.left < 0 {
		return nil, fileErrorf("The workbook's zip directory is larger than %d MiB, which no workbook needs, so it cannot be read.", maxDirectory>>20)
	}
	if err != nil {
		return nil, fileErrorf("The file is not a valid Excel workbook (.xlsx): it may be damaged or incomplete.")
	}
	// The parts are bounded as they are unpacked.
	lr.left = math.MaxInt64
	return zr, nil
}

// limitedReaderAt fails once more than left bytes have been read from it.
type limitedReaderAt struct {
	ra   io.ReaderAt
	left int64
}

var errDirectoryTooLarge = errors.New("zip directory too large")

func (l *limitedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if l.left < int64(len(p)) {
		l.left = -1
		return 0, errDirectoryTooLarge
	}
	l.left -= int64(len(p))
	return l.ra.ReadAt(p, off)
}

// declaredEntries returns the number of entries that the end of a zip
// archive's directory declares, if it can be found.
func declaredEntries(ra io.ReaderAt, size int64) (uint64, bool) {
	const endLen, locatorLen, end64Len = 22, 20, 56
	tail := make([]byte, min(size, 65535+endLen))
	if _, err := ra.ReadAt(tail, size-int64(len(tail))); err != nil && err != io.EOF {
		return 0, false
	}
	for i := len(tail) - endLen; i >= 0; i-- {
		if string(tail[i:i+4]) != "PK\x05\x06" || i+endLen+int(binary.LittleEndian.Uint16(tail[i+20:])) > len(tail) {
			continue
		}
		n := uint64(binary.LittleEndian.Uint16(tail[i+10:]))
		if n != 0xFFFF {
			return n, true
		}
		// ZIP64: the count is in a record that a locator before this one
		// points to.
		if i < locatorLen || string(tail[i-locatorLen:i-locatorLen+4]) != "PK\x06\x07" {
			return 0, false
		}
		off := int64(binary.LittleEndian.Uint64(tail[i-locatorLen+8:]))
		rec := make([]byte, end64Len)
		if off < 0 || off > size-end64Len {
			return 0, false
		}
		if _, err := ra.ReadAt(rec, off); err != nil || string(rec[:4]) != "PK\x06\x06" {
			return 0, false
		}
		return binary.LittleEndian.Uint64(rec[32:]), true
	}
	return 0, false
}

// pickSheet finds a sheet by name, exactly or else ignoring case and
// surrounding spaces; "" picks the first sheet.
func pickSheet(sheets []sheetRef, name string) (sheetRef, bool) {
	if name == "" {
		return sheets[0], true
	}
	for _, s := range sheets {
		if s.name == name {
			return s, true
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(strings.TrimSpace(s.name), strings.TrimSpace(name)) {
			return s, true
		}
	}
	return sheetRef{}, false
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// xlsxTable streams the rows of one sheet.
type xlsxTable struct {
	wb         *workbook
	tmp        *os.File
	tmpRemoved bool
	x          *xmlReader // the sheet
	info       FileInfo
	header     []string
	cells      []string // the current row, by column, up to its last value
	fields     []string
	lastRow    int
	text       []byte // scratch for cell text
	inline     []byte // scratch for inline string text
	cellRef    string // the cell being read, for messages
	err        error  // sticky: io.EOF or a failure
}

func (t *xlsxTable) Header() []string { return t.header }
func (t *xlsxTable) Info() FileInfo   { return t.info }

func (t *xlsxTable) Close() error {
	var err error
	if t.x != nil {
		err = t.x.Close()
		t.x = nil
	}
	if t.wb != nil {
		if cerr := t.wb.close(); err == nil {
			err = cerr
		}
		t.wb = nil
	}
	if t.tmp != nil {
		if cerr := t.tmp.Close(); err == nil {
			err = cerr
		}
		if !t.tmpRemoved {
			if rerr := os.Remove(t.tmp.Name()); err == nil {
				err = rerr
			}
		}
		t.tmp = nil
	}
	if t.err == nil || t.err == io.EOF {
		t.err = errClosed
	}
	return err
}

// rowProblem is what is wrong with a row that reading can move past.
type rowProblem struct {
	col int               // the 0-based column at fault, or -1 for the whole row
	msg callsheet.Message // a catalogue message
}

func (p *rowProblem) Error() string { return p.msg.String() }

// errRowTooWide is a row with a cell beyond maxColumns.
var errRowTooWide = &rowProblem{col: -1, msg: callsheet.Msg("Row has cells beyond the last Excel column.")}

// readHeader reads the first row with a value as the header. Its width
// ends at its last value, since a sheet has no end of its own.
func (t *xlsxTable) readHeader() error {
	for {
		_, err := t.readRow()
		var rp *rowProblem
		switch {
		case err == io.EOF:
			return fileErrorf("The sheet %s is empty: it has no header row.", strconv.Quote(t.info.Sheet))
		case err == errRowTooWide:
			return fileErrorf("The header row of sheet %s has cells beyond the last Excel column.", strconv.Quote(t.info.Sheet))
		case errors.As(err, &rp):
			return fileErrorf("The header row of sheet %s cannot be read: %s", strconv.Quote(t.info.Sheet), rp.msg)
		case err != nil:
			return err
		}
		last := lastValue(t.cells)
		if last < 0 {
			continue
		}
		t.header = cleanHeader(append([]string(nil), t.cells[:last+1]...))
		t.fields = make([]string, len(t.header))
		return nil
	}
}

func (t *xlsxTable) Next() (Record, error) {
	if t.err != nil {
		return Record{}, t.err
	}
	for {
		line, err := t.readRow()
		var rp *rowProblem
		if errors.As(err, &rp) {
			e := &RowError{Line: line, Message: rp.msg.String(), Msg: rp.msg}
			if rp.col >= 0 && rp.col < len(t.header) {
				e.Column = t.header[rp.col]
			}
			return Record{}, e
		}
		if err != nil {
			t.err = err
			return Record{}, err
		}
		last := lastValue(t.cells)
		if last < 0 {
			continue
		}
		if h := len(t.header); last >= h {
			return Record{}, rowErrorf(line, "Row has %d fields but the header has %d.", last+1, h)
		}
		n := copy(t.fields, t.cells)
		clear(t.fields[n:])
		return Record{Line: line, Fields: t.fields}, nil
	}
}

// lastValue returns the index of the last cell that is not blank, or -1.
func lastValue(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			return i
		}
	}
	return -1
}

// readRow reads the next <row> of the sheet into cells and returns its row
// number. It returns io.EOF after the last row, and a *rowProblem for a
// row that was read past but not kept.
func (t *xlsxTable) readRow() (int, error) {
	for {
		tok, err := t.x.token()
		if err == io.EOF {
			return 0, io.EOF
		}
		if err != nil {
			return 0, t.damagedSheet(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if e.Name.Local == "row" {
				return t.readCells(e)
			}
		case xml.EndElement:
			if e.Name.Local == "sheetData" {
				return 0, io.EOF
			}
		}
	}
}

func (t *xlsxTable) damagedSheet(err error) error {
	if t.x.tooLong && t.cellRef != "" {
		return fileErrorf("Cell %s of the sheet %s holds more than %s characters, the most a cell can hold, so the file cannot be read. Open it in Excel and save it again.", t.cellRef, strconv.Quote(t.info.Sheet), formatCount(maxCellChars))
	}
	if fe := (*FileError)(nil); errors.As(err, &fe) {
		return fe
	}
	return fileErrorf("The sheet %s is damaged and cannot be read further (%s). Open the workbook in Excel and save it again.", strconv.Quote(t.info.Sheet), err.Error())
}

// readCells reads the cells of the row whose start tag is row. A row over
// a bound is read to its end, keeping nothing more, and reported as a
// *rowProblem.
func (t *xlsxTable) readCells(row xml.StartElement) (int, error) {
	num := t.lastRow + 1
	if n, err := strconv.Atoi(attr(row, "r")); err == nil && n > 0 {
		// Rows come in order in every sheet Excel writes; a row number
		// that goes back or repeats would give two rows one line in the
		// report, so the sheet is taken as damaged.
		if n <= t.lastRow {
			return n, fileErrorf("The sheet %s numbers row %d after row %d: its rows are out of order, so it may be damaged. Open the workbook in Excel and save it again.", strconv.Quote(t.info.Sheet), n, t.lastRow)
		}
		num = n
	}
	t.lastRow = num
	t.cells = t.cells[:0]
	col := -1
	rowBytes := 0
	var problem *rowProblem
	for {
		tok, err := t.x.token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return num, t.damagedSheet(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if e.Name.Local != "c" {
				continue
			}
			ref := attr(e, "r")
			if c, ok := cellColumn(ref); ok {
				col = c
			} else {
				col++
			}
			t.cellRef = ref
			if ref == "" {
				t.cellRef = cellName(col, num)
			}
			v, err := t.cellValue(e, problem != nil)
			if err == nil || err == errCellTooLong {
				t.cellRef = ""
			}
			switch {
			case err == errCellTooLong:
				if problem == nil {
					problem = &rowProblem{col: col, msg: callsheet.Msg("Cell %s holds more than %s characters, the most a cell can hold.", cellName(col, num), formatCount(maxCellChars))}
				}
				continue
			case err != nil:
				return num, t.damagedSheet(err)
			case problem != nil:
				continue
			case col >= maxColumns:
				problem = errRowTooWide
				continue
			}
			if rowBytes += len(v); rowBytes > maxRowBytes {
				problem = &rowProblem{col: -1, msg: callsheet.Msg("Row is too long: it has over %d MiB of text.", maxRowBytes>>20)}
				continue
			}
			if v != "" {
				for len(t.cells) <= col {
					t.cells = append(t.cells, "")
				}
				t.cells[col] = v
			}
		case xml.EndElement:
			if e.Name.Local == "row" {
				if problem != nil {
					return num, problem
				}
				return num, nil
			}
		}
	}
}

// cellName returns the reference of a cell, such as "C7", from its 0-based
// column and its row.
func cellName(col, row int) string {
	var b []byte
	for c := col + 1; c > 0; c = (c - 1) / 26 {
		b = append(b, byte('A'+(c-1)%26))
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b) + strconv.Itoa(row)
}

// cellColumn returns the 0-based column of a cell reference such as "C7".
func cellColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxColumns {
			return maxColumns, true
		}
	}
	if i == 0 {
		return 0, false
	}
	return col - 1, true
}

// cellValue reads a cell whose start tag is c and returns its text as
// Excel shows it, as far as the product needs: numbers in full without an
// exponent, dates as DD-MM-YYYY HH:MM, errors as empty. With skip it only
// reads past the cell. A cell over maxCellChars is read past and gives
// errCellTooLong.
func (t *xlsxTable) cellValue(c xml.StartElement, skip bool) (string, error) {
	typ := attr(c, "t")
	style, _ := strconv.Atoi(attr(c, "s"))
	t.text = t.text[:0]
	t.inline = t.inline[:0]
	hasInline := false
	inV := false
	chars := 0
	var tooLong error
	for depth := 1; depth > 0; {
		tok, err := t.x.token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "v":
				inV = true
				depth++
			case "is":
				hasInline = true
				if t.inline, err = richText(t.x, t.inline); err == errCellTooLong {
					tooLong = err
				} else if err != nil {
					return "", err
				}
			default:
				depth++
			}
		case xml.EndElement:
			depth--
			if e.Name.Local == "v" {
				inV = false
			}
		case xml.CharData:
			if inV && chars <= maxCellChars {
				if chars += utf8.RuneCount(e); chars <= maxCellChars {
					t.text = append(t.text, e...)
				} else {
					tooLong = errCellTooLong
				}
			}
		}
	}
	if tooLong != nil {
		return "", tooLong
	}
	if skip {
		return "", nil
	}

	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(t.text)))
		if err != nil {
			return "", nil
		}
		return t.wb.strings.get(i)
	case "inlineStr":
		if hasInline {
			return string(t.inline), nil
		}
		return string(t.text), nil
	case "str":
		return string(t.text), nil
	case "b":
		switch strings.TrimSpace(string(t.text)) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return string(t.text), nil
	case "e":
		// #N/A, #DIV/0! and the like carry no data worth importing.
		return "", nil
	case "d":
		return isoDate(string(t.text)), nil
	}
	if len(t.text) == 0 {
		return "", nil
	}
	isDate := style >= 0 && style < len(t.wb.dateXF) && t.wb.dateXF[style]
	return formatNumber(string(t.text), isDate, t.wb.date1904), nil
}
