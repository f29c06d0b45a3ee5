package sheet

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
)

// Bounds on what a workbook may cost while it is read. Each is checked as
// the bytes arrive, never after a part or a value is complete, and never
// by trusting the sizes that the zip directory claims.
const (
	// maxWorkbookBytes bounds the packed file, spooled to disk to be read.
	maxWorkbookBytes = 1 << 30
	// maxInflated bounds the bytes unpacked from all parts together.
	maxInflated = 2 << 30
	// maxRatio bounds the bytes one part unpacks to per packed byte it
	// has taken, once it has unpacked ratioGrace: real sheets pack ten to
	// twenty times, a zip bomb a thousand (Apache POI refuses past the
	// same 100). bombRatio stops a bomb sooner. They end a bomb after a
	// megabyte or two, where the other bounds might let it run a minute.
	maxRatio   = 100
	ratioGrace = 4 << 20
	bombRatio  = 500
	bombGrace  = 1 << 20
	// maxToken bounds one piece of XML as the decoder gathers it: a run
	// of text, a tag with its attributes, a comment. The longest cell
	// Excel can write, 32,767 characters each escaped, is under it.
	maxToken = 256 << 10
	// maxDepth bounds the nesting of elements; a sheet needs six.
	maxDepth = 64
	// maxCellChars is Excel's own limit on a cell's text, which bounds a
	// cell and a shared string however many pieces it comes in.
	maxCellChars = 32767
	// maxRowBytes bounds the text of one row, as for CSV.
	maxRowBytes = maxRecordBytes
	// maxSharedStrings and maxSharedText bound the shared string table,
	// which is kept for the whole read since any row may refer to any
	// string. Only sharedInMemory of its text stays in memory; the rest
	// goes to a temporary file.
	maxSharedStrings = 5_000_000
	maxSharedText    = 1 << 30
	sharedInMemory   = 32 << 20
	// maxParts bounds the sheets and relationships a workbook lists, and
	// maxStyles its cell styles and number formats (Excel allows 64,000).
	maxParts  = 10000
	maxStyles = 1 << 16
)

// workbook is what is needed from an XLSX package to read one sheet.
type workbook struct {
	files    map[string]*zip.File
	size     int64 // of the whole package, packed
	inflated int64 // bytes unpacked so far from all parts
	sheets   []sheetRef
	date1904 bool
	strings  sharedStrings
	dateXF   []bool // by cell style index: the style shows a date
}

type sheetRef struct {
	name string
	path string // inside the zip; "" if the workbook does not say
}

// loadWorkbook reads the workbook's structure, shared strings and styles.
// On failure it releases what it acquired.
func loadWorkbook(zr *zip.Reader, size int64) (_ *workbook, err error) {
	wb := &workbook{files: make(map[string]*zip.File, len(zr.File)), size: size}
	defer func() {
		if err != nil {
			wb.close()
		}
	}()
	for _, f := range zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/")
		wb.files[name] = f
		if lower := strings.ToLower(name); wb.files[lower] == nil {
			wb.files[lower] = f
		}
	}

	bookPath := "xl/workbook.xml"
	rels, err := wb.readRels("_rels/.rels", "")
	if fe := (*FileError)(nil); errors.As(err, &fe) && err != errNoFile {
		return nil, err
	}
	for _, r := range rels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			bookPath = r.target
			break
		}
	}
	if wb.file(bookPath) == nil {
		return nil, fileErrorf("The file is a zip archive but not an Excel workbook (.xlsx).")
	}

	dir := path.Dir(bookPath)
	relsPath := path.Join(dir, "_rels", path.Base(bookPath)+".rels")
	rels, err = wb.readRels(relsPath, dir)
	if err != nil && err != errNoFile {
		return nil, damaged(err)
	}
	targets := map[string]string{}
	var sstPath, stylesPath string
	for _, r := range rels {
		targets[r.id] = r.target
		switch {
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			sstPath = r.target
		case strings.HasSuffix(r.typ, "/styles"):
			stylesPath = r.target
		}
	}
	if err := wb.readWorkbook(bookPath, targets); err != nil {
		return nil, damaged(err)
	}
	if sstPath != "" {
		if err := wb.readSharedStrings(sstPath); err != nil && err != errNoFile {
			return nil, damaged(err)
		}
	}
	if stylesPath != "" {
		if err := wb.readStyles(stylesPath); err != nil && err != errNoFile {
			return nil, damaged(err)
		}
	}
	return wb, nil
}

// close releases the shared strings' temporary file, if any.
func (wb *workbook) close() error {
	return wb.strings.close()
}

// damaged reports a workbook whose parts cannot be parsed. A *FileError
// already says what is wrong and is kept as it is.
func damaged(err error) error {
	if fe := (*FileError)(nil); errors.As(err, &fe) {
		return fe
	}
	return fileErrorf("The Excel workbook is damaged and cannot be read (%s). Open it in Excel and save it again.", err.Error())
}

// errNoFile is an expected part missing from the package.
var errNoFile = fileErrorf("A part of the workbook is missing.")

func (wb *workbook) file(name string) *zip.File {
	if f := wb.files[name]; f != nil {
		return f
	}
	return wb.files[strings.ToLower(name)]
}

// open returns a bounded XML reader over a part of the package. what names
// the part in messages, as in "the workbook's sheet "Leads"".
func (wb *workbook) open(name string, what callsheet.Message) (*xmlReader, error) {
	f := wb.file(name)
	if f == nil {
		return nil, errNoFile
	}
	if what.Key == "" {
		what = callsheet.Msg("part %s", name)
	}
	// The part is unpacked here rather than by archive/zip, so that the
	// packed bytes it takes can be counted against what it gives.
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, err
	}
	p := &partReader{wb: wb, f: f, name: name, packed: &packedCounter{r: bufio.NewReader(raw)}, buf: make([]byte, 32<<10)}
	switch f.Method {
	case zip.Store:
		p.src = p.packed
	case zip.Deflate:
		p.src = flate.NewReader(p.packed)
	default:
		return nil, fileErrorf("The workbook's part %s is packed in a way Excel does not use (method %d), so the file cannot be read. Open it in Excel and save it again.", name, f.Method)
	}
	return &xmlReader{dec: xml.NewDecoder(p), part: p, what: what}, nil
}

// packedCounter counts the packed bytes a part has taken. As an
// io.ByteReader it is read by compress/flate without a buffer of its own,
// so that the count is of what was used, not of what was read ahead.
type packedCounter struct {
	r *bufio.Reader
	n int64
}

func (c *packedCounter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

func (c *packedCounter) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// partReader unpacks one part for an xml.Decoder, which reads it a byte at
// a time through ReadByte. It counts what it unpacks against the
// workbook's bounds, and what the decoder takes for one token against
// maxToken, so that neither a zip bomb nor one endless value is ever
// gathered whole.
type partReader struct {
	wb       *workbook
	f        *zip.File
	name     string
	packed   *packedCounter
	src      io.Reader // what packed unpacks to
	inflated int64
	crc      uint32
	buf      []byte
	r, w     int
	token    int // bytes taken since the current token began
	err      error
}

// errTokenTooLong is a piece of XML longer than maxToken.
var errTokenTooLong = errors.New("xml token too long")

func (p *partReader) ReadByte() (byte, error) {
	if p.r == p.w {
		if p.err != nil {
			return 0, p.err
		}
		p.fill()
		if p.r == p.w {
			return 0, p.err
		}
	}
	if p.token++; p.token > maxToken {
		p.err = errTokenTooLong
		p.r, p.w = 0, 0
		return 0, p.err
	}
	b := p.buf[p.r]
	p.r++
	return b, nil
}

// Read is there for io.Reader; xml.Decoder reads through ReadByte.
func (p *partReader) Read(b []byte) (int, error) {
	for n := range b {
		c, err := p.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		b[n] = c
	}
	return len(b), nil
}

// fill unpacks more of the part into buf, failing at once past a bound.
// The sizes and checksum in the zip directory are checked as archive/zip
// would, but never trusted for anything else.
func (p *partReader) fill() {
	n, err := p.src.Read(p.buf)
	p.r, p.w = 0, n
	p.crc = crc32.Update(p.crc, crc32.IEEETable, p.buf[:n])
	p.inflated += int64(n)
	p.wb.inflated += int64(n)
	mismatch := func(detail callsheet.Message) error {
		return fileErrorf("The workbook is damaged: its part %s does not match what the zip directory says about it (%s). Open it in Excel and save it again.", p.name, detail)
	}
	switch {
	case p.wb.inflated > maxInflated:
		p.err = fileErrorf("The workbook unpacks to more than %d GiB, which is more than can be imported at once. Split it into smaller files or save the sheet as CSV.", maxInflated>>30)
	case p.inflated > ratioGrace && p.inflated > maxRatio*p.packed.n,
		p.inflated > bombGrace && p.inflated > bombRatio*p.packed.n:
		p.err = fileErrorf("The workbook's part %s unpacks to more than %d times its packed size, which real workbooks never do, so the file is refused. Open it in Excel and save it again.", p.name, maxRatio)
	case uint64(p.inflated) > p.f.UncompressedSize64:
		p.err = mismatch(callsheet.Msg("it unpacks to more than %d bytes", p.f.UncompressedSize64))
	case err == io.EOF && uint64(p.inflated) != p.f.UncompressedSize64:
		p.err = mismatch(callsheet.Msg("it unpacks to %d bytes, not %d", p.inflated, p.f.UncompressedSize64))
	case err == io.EOF && p.f.CRC32 != 0 && p.crc != p.f.CRC32:
		p.err = mismatch(callsheet.Msg("its checksum differs"))
	case err == io.EOF:
		p.err = io.EOF
	case err == io.ErrUnexpectedEOF:
		p.err = mismatch(callsheet.Msg("it is cut short"))
	case err != nil:
		p.err = fileErrorf("The workbook is damaged: its part %s cannot be unpacked (%s). Open it in Excel and save it again.", p.name, err.Error())
	}
	if p.err != nil && p.err != io.EOF {
		p.r, p.w = 0, 0
	}
}

// xmlReader reads the tokens of one part through encoding/xml, which has no
// bounds of its own: it refuses document type declarations, so that no
// entity is ever defined, and nesting deeper than maxDepth.
type xmlReader struct {
	dec     *xml.Decoder
	part    *partReader
	what    callsheet.Message // names the part in messages
	depth   int
	tooLong bool // reading stopped at a token longer than maxToken
}

// token returns the next token, as xml.Decoder.RawToken does.
func (x *xmlReader) token() (xml.Token, error) {
	x.part.token = 0
	tok, err := x.dec.RawToken()
	if err != nil {
		if err == errTokenTooLong {
			x.tooLong = true
			return nil, fileErrorf("In the workbook's %s, one piece of text or markup is longer than %d KiB, which Excel never writes. The file cannot be read.", x.what, maxToken>>10)
		}
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		if x.depth++; x.depth > maxDepth {
			return nil, fileErrorf("In the workbook's %s, elements are nested more than %d deep, which Excel never writes. The file cannot be read.", x.what, maxDepth)
		}
	case xml.EndElement:
		x.depth--
	case xml.Directive:
		// encoding/xml does not expand the entities a DTD declares, but
		// nothing in a workbook needs one, and refusing it leaves no room
		// for entity tricks at all.
		return nil, fileErrorf("In the workbook's %s there is a document type declaration (<!DOCTYPE>), which Excel never writes, so the file is refused.", x.what)
	}
	return tok, nil
}

// Close releases the part's decompressor.
func (x *xmlReader) Close() error {
	if c, ok := x.part.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

type relationship struct {
	id, typ, target string
}

// readRels reads a relationships part, resolving targets against dir.
func (wb *workbook) readRels(name, dir string) ([]relationship, error) {
	x, err := wb.open(name, callsheet.Message{})
	if err != nil {
		return nil, err
	}
	defer x.Close()
	var rels []relationship
	for {
		tok, err := x.token()
		if err == io.EOF {
			return rels, nil
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" || attr(se, "TargetMode") == "External" {
			continue
		}
		if len(rels) == maxParts {
			return nil, fileErrorf("The workbook lists more than %s related parts in %s, which is more than can be read.", formatCount(maxParts), name)
		}
		target := strings.ReplaceAll(attr(se, "Target"), `\`, "/")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(dir, target)
		}
		rels = append(rels, relationship{attr(se, "Id"), attr(se, "Type"), target})
	}
}

// readWorkbook reads the sheet names, in order, and the date system.
func (wb *workbook) readWorkbook(name string, targets map[string]string) error {
	x, err := wb.open(name, callsheet.Message{})
	if err != nil {
		return err
	}
	defer x.Close()
	for {
		tok, err := x.token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			v := attr(se, "date1904")
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			if len(wb.sheets) == maxParts {
				return fileErrorf("The workbook has more than %s sheets, which is more than can be read.", formatCount(maxParts))
			}
			var id string
			for _, a := range se.Attr {
				// r:id, whatever prefix the relationships namespace has.
				if a.Name.Local == "id" && a.Name.Space != "" {
					id = a.Value
				}
			}
			wb.sheets = append(wb.sheets, sheetRef{name: attr(se, "name"), path: targets[id]})
		}
	}
}

// readSharedStrings reads the shared string table.
func (wb *workbook) readSharedStrings(name string) error {
	x, err := wb.open(name, callsheet.Msg("shared strings"))
	if err != nil {
		return err
	}
	defer x.Close()
	var buf []byte
	for {
		tok, err := x.token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "si" {
			continue
		}
		n := wb.strings.len()
		buf, err = richText(x, buf[:0])
		if err == errCellTooLong || x.tooLong {
			return fileErrorf("The workbook's shared string number %s holds more than %s characters, the most a cell can hold, so the file cannot be read. Open it in Excel and save it again.", formatCount(n+1), formatCount(maxCellChars))
		}
		if err != nil {
			return err
		}
		if err := wb.strings.add(buf); err != nil {
			return err
		}
	}
	return wb.strings.done()
}

// errCellTooLong is a cell or shared string of more than maxCellChars.
var errCellTooLong = errors.New("cell too long")

// richText appends the text of a string item (<si> or <is>) whose start
// tag was just read: its <t> elements, directly or in rich text runs, but
// not the phonetic guides (<rPh>) that Japanese workbooks add. Past
// maxCellChars it reads on to the item's end but keeps nothing more, and
// returns errCellTooLong.
func richText(x *xmlReader, buf []byte) ([]byte, error) {
	depth, inT, phonetic := 1, 0, 0
	chars := 0
	for depth > 0 {
		tok, err := x.token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "t":
				inT++
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			depth--
			switch t.Name.Local {
			case "t":
				inT--
			case "rPh":
				phonetic--
			}
		case xml.CharData:
			if inT > 0 && phonetic == 0 && chars <= maxCellChars {
				if chars += utf8.RuneCount(t); chars <= maxCellChars {
					buf = append(buf, t...)
				}
			}
		}
	}
	if chars > maxCellChars {
		return buf, errCellTooLong
	}
	return buf, nil
}

// sharedStrings holds the workbook's strings for random access. The text
// is kept in chunks of textChunk bytes, no string across two, so that it
// grows without copying what it holds; chunks past sharedInMemory go to a
// temporary file. Each string is known by the position of its end, as
// chunk<<20 | offset; it starts where the one before ends, or at the start
// of its chunk if the one before ends in another.
type sharedStrings struct {
	ends    [][]uint32 // in blocks of stringBlock
	n       int
	text    int64    // bytes of text added, for maxSharedText
	mem     []string // the chunks held in memory
	cur     []byte   // the chunk being filled
	curIdx  uint32   // its number
	spill   *os.File // the chunks from len(mem) on
	removed bool     // spill is already gone from the directory
}

const (
	stringBlock = 1 << 16
	chunkShift  = 20
	textChunk   = 1 << chunkShift
	memChunks   = sharedInMemory / textChunk
)

func (s *sharedStrings) len() int { return s.n }

// add appends a string of at most 4*maxCellChars bytes.
func (s *sharedStrings) add(b []byte) error {
	if s.n == maxSharedStrings {
		return fileErrorf("The workbook's shared strings exceed %s entries, which is more than can be imported at once. Split it into smaller files or save the sheet as CSV.", formatCount(maxSharedStrings))
	}
	if s.text += int64(len(b)); s.text > maxSharedText {
		return fileErrorf("The workbook's shared strings exceed %d MiB of text, which is more than can be imported at once. Split it into smaller files or save the sheet as CSV.", maxSharedText>>20)
	}
	if s.cur == nil {
		s.cur = make([]byte, 0, textChunk)
	}
	// A string ends strictly inside its chunk, so that its end tells the
	// chunk.
	if len(s.cur)+len(b) >= textChunk {
		if err := s.flush(); err != nil {
			return err
		}
		s.curIdx++
	}
	s.cur = append(s.cur, b...)
	if s.n%stringBlock == 0 {
		s.ends = append(s.ends, make([]uint32, 0, stringBlock))
	}
	blk := &s.ends[len(s.ends)-1]
	*blk = append(*blk, s.curIdx<<chunkShift|uint32(len(s.cur)))
	s.n++
	return nil
}

// flush stores the current chunk, in memory or in the temporary file, and
// empties it for the next.
func (s *sharedStrings) flush() error {
	if int(s.curIdx) < memChunks {
		s.mem = append(s.mem, string(s.cur))
		s.cur = s.cur[:0]
		return nil
	}
	if s.spill == nil {
		f, err := os.CreateTemp("", "callsheet-strings-*")
		if err != nil {
			return fmt.Errorf("sheet: shared strings: %w", err)
		}
		s.spill = f
		s.removed = os.Remove(f.Name()) == nil
	}
	if _, err := s.spill.WriteAt(s.cur, int64(int(s.curIdx)-memChunks)<<chunkShift); err != nil {
		return fmt.Errorf("sheet: shared strings: %w", err)
	}
	s.cur = s.cur[:0]
	return nil
}

// done stores the last chunk and lets go of the buffer, after the last add.
func (s *sharedStrings) done() error {
	if s.cur == nil {
		return nil
	}
	err := s.flush()
	s.cur = nil
	return err
}

func (s *sharedStrings) end(i int) uint32 { return s.ends[i/stringBlock][i%stringBlock] }

// span returns the chunk of string i and where it starts and ends in it.
func (s *sharedStrings) span(i int) (chunk, from, to int) {
	e := s.end(i)
	chunk = int(e >> chunkShift)
	to = int(e & (textChunk - 1))
	if i > 0 {
		if p := s.end(i - 1); int(p>>chunkShift) == chunk {
			from = int(p & (textChunk - 1))
		}
	}
	return chunk, from, to
}

// size returns the length of string i in bytes, or 0 if there is none.
func (s *sharedStrings) size(i int) int {
	if i < 0 || i >= s.n {
		return 0
	}
	_, from, to := s.span(i)
	return to - from
}

// get returns string i, or "" if there is none.
func (s *sharedStrings) get(i int) (string, error) {
	if i < 0 || i >= s.n {
		return "", nil
	}
	chunk, from, to := s.span(i)
	if chunk < len(s.mem) {
		return s.mem[chunk][from:to], nil
	}
	b := make([]byte, to-from)
	if _, err := s.spill.ReadAt(b, int64(chunk-memChunks)<<chunkShift+int64(from)); err != nil {
		return "", fmt.Errorf("sheet: shared strings: %w", err)
	}
	return string(b), nil
}

func (s *sharedStrings) close() error {
	if s.spill == nil {
		return nil
	}
	err := s.spill.Close()
	if !s.removed {
		if rerr := os.Remove(s.spill.Name()); err == nil {
			err = rerr
		}
	}
	s.spill = nil
	return err
}

// formatCount writes a count with thousands separators, as in 5,000,000.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// readStyles finds which cell styles show a date.
func (wb *workbook) readStyles(name string) error {
	x, err := wb.open(name, callsheet.Message{})
	if err != nil {
		return err
	}
	defer x.Close()
	custom := map[int]string{}
	var xfFormats []int
	inCellXfs := false
	for {
		tok, err := x.token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(custom) > maxStyles || len(xfFormats) > maxStyles {
			return fileErrorf("The workbook has more than %s cell styles, more than Excel allows, so the file cannot be read.", formatCount(maxStyles))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(t, "numFmtId")); err == nil {
					custom[id] = attr(t, "formatCode")
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if inCellXfs {
					id, _ := strconv.Atoi(attr(t, "numFmtId"))
					xfFormats = append(xfFormats, id)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
	}
	wb.dateXF = make([]bool, len(xfFormats))
	for i, id := range xfFormats {
		code, ok := custom[id]
		if ok {
			wb.dateXF[i] = isDateFormat(code)
		} else {
			wb.dateXF[i] = isBuiltinDateFormat(id)
		}
	}
	return nil
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// isBuiltinDateFormat reports whether a built-in number format shows a
// date or a time.
func isBuiltinDateFormat(id int) bool {
	return 14 <= id && id <= 22 || 45 <= id && id <= 47
}

// isDateFormat reports whether a custom number format code shows a date or
// a time. Quoted text, escaped characters and bracketed parts (colours,
// locales, elapsed time) do not count; a format that shows only elapsed
// time, such as "[h]:mm", is a duration rather than a date.
func isDateFormat(code string) bool {
	elapsed := false
	hasDate := false
	hasTime := false
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			for i++; i < len(code) && code[i] != '"'; i++ {
			}
		case '\\', '_', '*':
			i++ // the next character is literal, or a padding
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return false
			}
			if inner := strings.ToLower(code[i+1 : i+j]); inner != "" && strings.Trim(inner, "hms") == "" {
				elapsed = true
			}
			i += j
		case ';':
			// Only the first section decides; the others format negative
			// numbers, zero and text.
			return hasDate || hasTime && !elapsed
		default:
			switch c | 0x20 {
			case 'd', 'y':
				hasDate = true
			case 'm', 'h', 's':
				hasTime = true
			}
		}
	}
	return hasDate || hasTime && !elapsed
}
