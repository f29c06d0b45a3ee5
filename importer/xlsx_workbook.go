package importer

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
)

// workbook is what is needed from an XLSX package to read one sheet.
type workbook struct {
	files    map[string]*zip.File
	sheets   []sheetRef
	date1904 bool
	strings  sharedStrings
	dateXF   []bool // by cell style index: the style shows a date
}

type sheetRef struct {
	name string
	path string // inside the zip; "" if the workbook does not say
}

// maxSharedText bounds the shared strings, which are held in memory for
// random access, so that a small compressed file cannot claim gigabytes.
const maxSharedText = 256 << 20

// sharedStrings holds the workbook's strings in one string, so that a
// large table of short strings costs little more than its text.
type sharedStrings struct {
	text string
	ends []uint32
}

func (s *sharedStrings) get(i int) string {
	if i < 0 || i >= len(s.ends) {
		return ""
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.text[start:s.ends[i]]
}

// loadWorkbook reads the workbook's structure, shared strings and styles.
func loadWorkbook(zr *zip.Reader) (*workbook, error) {
	wb := &workbook{files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/")
		wb.files[name] = f
		if lower := strings.ToLower(name); wb.files[lower] == nil {
			wb.files[lower] = f
		}
	}

	bookPath := "xl/workbook.xml"
	if rels, err := wb.readRels("_rels/.rels", ""); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				bookPath = r.target
				break
			}
		}
	}
	if wb.file(bookPath) == nil {
		return nil, fileErrorf("The file is a zip archive but not an Excel workbook (.xlsx).")
	}

	dir := path.Dir(bookPath)
	relsPath := path.Join(dir, "_rels", path.Base(bookPath)+".rels")
	rels, err := wb.readRels(relsPath, dir)
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
			if fe := (*FileError)(nil); errors.As(err, &fe) {
				return nil, err
			}
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

// damaged reports a workbook whose parts cannot be parsed.
func damaged(err error) error {
	return fileErrorf("The Excel workbook is damaged and cannot be read (%v). Open it in Excel and save it again.", err)
}

// errNoFile is an expected part missing from the package.
var errNoFile = fileErrorf("A part of the workbook is missing.")

func (wb *workbook) file(name string) *zip.File {
	if f := wb.files[name]; f != nil {
		return f
	}
	return wb.files[strings.ToLower(name)]
}

// open returns a decoder over a part of the package.
func (wb *workbook) open(name string) (*xml.Decoder, io.Closer, error) {
	f := wb.file(name)
	if f == nil {
		return nil, nil, errNoFile
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, err
	}
	return xml.NewDecoder(rc), rc, nil
}

type relationship struct {
	id, typ, target string
}

// readRels reads a relationships part, resolving targets against dir.
func (wb *workbook) readRels(name, dir string) ([]relationship, error) {
	dec, c, err := wb.open(name)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var rels []relationship
	for {
		tok, err := dec.RawToken()
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
	dec, c, err := wb.open(name)
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		tok, err := dec.RawToken()
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
	dec, c, err := wb.open(name)
	if err != nil {
		return err
	}
	defer c.Close()
	var text strings.Builder
	var buf []byte
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "sst":
			// Trust the count only so far, since it comes from the file.
			if n, err := strconv.Atoi(attr(se, "uniqueCount")); err == nil && n > 0 {
				wb.strings.ends = make([]uint32, 0, min(n, 1<<20))
			}
		case "si":
			buf, err = richText(dec, buf[:0])
			if err != nil {
				return err
			}
			text.Write(buf)
			if text.Len() > maxSharedText {
				return fileErrorf("The workbook has more than %d MiB of text, which is more than can be imported at once. Split it into smaller files.", maxSharedText>>20)
			}
			wb.strings.ends = append(wb.strings.ends, uint32(text.Len()))
		}
	}
	wb.strings.text = text.String()
	return nil
}

// richText appends the text of a string item (<si> or <is>) whose start
// tag was just read: its <t> elements, directly or in rich text runs, but
// not the phonetic guides (<rPh>) that Japanese workbooks add.
func richText(dec *xml.Decoder, buf []byte) ([]byte, error) {
	depth, inT, phonetic := 1, 0, 0
	for depth > 0 {
		tok, err := dec.RawToken()
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
			if inT > 0 && phonetic == 0 {
				buf = append(buf, t...)
			}
		}
	}
	return buf, nil
}

// readStyles finds which cell styles show a date.
func (wb *workbook) readStyles(name string) error {
	dec, c, err := wb.open(name)
	if err != nil {
		return err
	}
	defer c.Close()
	custom := map[int]string{}
	var xfFormats []int
	inCellXfs := false
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
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
