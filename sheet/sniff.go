package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/callsheet/callsheet"
)

// A customer file is text (CSV or TSV, in any encoding Open reads) or an
// Excel workbook. Anything else, such as a photo, a PDF or an archive, is
// refused when it is uploaded, before it is stored, with a message that
// says what it looks like; read as text, its bytes would otherwise show up
// in the mapping table as if they were columns.

// sniffSize is how much of the start of a file is looked at to tell what
// it is: every signature below lies within it, and 4 KiB of text is
// enough to tell text from binary.
const sniffSize = 4 << 10

// fileKind is what a file that cannot be read as customers looks like,
// in the user's words, and so what its message says.
type fileKind struct {
	what string // a catalogue key: "a PNG image"
	how  string // a catalogue key: how to turn a spreadsheet that cannot be read into one that can
	zip  bool   // a zip archive that is no workbook
}

// other is a kind of file that holds no customers at all.
func other(what string) *fileKind { return &fileKind{what: what} }

// unreadable is a spreadsheet in a format that cannot be read, with how to
// turn it into one that can.
func unreadable(what, how string) *fileKind { return &fileKind{what: what, how: how} }

// fileError says what the file named name looks like.
func (k *fileKind) fileError(name string) *FileError {
	what := callsheet.Msg(k.what)
	switch {
	case k.zip:
		return fileErrorf("%s looks like %s, not an Excel workbook. Upload a CSV, TSV or XLSX file. If the file is inside the archive, unzip it first.", displayName(name), what)
	case k.how != "":
		return fileErrorf("%s looks like %s, which cannot be read. %s", displayName(name), what, callsheet.Msg(k.how))
	}
	return fileErrorf("%s looks like %s, not a customer file. Upload a CSV, TSV or XLSX file.", displayName(name), what)
}

// displayName is an uploaded file's name as a message shows it: without
// the folders some browsers send, and safe to print; "The file", as a
// catalogue message, for a name with nothing left.
func displayName(name string) any {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	if name = callsheet.CleanLabel(name, 80); name == "" {
		return callsheet.Msg("The file")
	}
	return name
}

// signatures are the starts of files that are never customer files, at
// the offset where each kind has its mark. Those that need more than a
// fixed mark to be told from text are in sniffHead.
var signatures = []struct {
	at   int
	mark string
	kind *fileKind
}{
	{0, "\x89PNG\r\n\x1a\n", other("a PNG image")},
	{0, "\xFF\xD8\xFF", other("a JPEG image")},
	{0, "GIF87a", other("a GIF image")},
	{0, "GIF89a", other("a GIF image")},
	{0, "II*\x00", other("a TIFF image")},
	{0, "MM\x00*", other("a TIFF image")},
	{0, "8BPS", other("a Photoshop image")},
	{0, "\x00\x00\x01\x00", other("an icon image")},
	{0, "%PDF-", other("a PDF document")},
	{0, `{\rtf`, other("an RTF document")},
	{0, "PK\x05\x06", other("an empty ZIP archive")},
	{0, "PK\x07\x08", other("a ZIP archive")},
	{0, "\x1F\x8B\x08", other("a gzip archive")},
	{0, "7z\xBC\xAF\x27\x1C", other("a 7-Zip archive")},
	{0, "Rar!\x1A\x07", other("a RAR archive")},
	{0, "\xFD7zXZ\x00", other("an xz archive")},
	{0, "\x28\xB5\x2F\xFD", other("a Zstandard archive")},
	{257, "ustar", other("a tar archive")},
	{0, "\x7FELF", other("a program")},
	{0, "\xFE\xED\xFA\xCE", other("a program")},
	{0, "\xFE\xED\xFA\xCF", other("a program")},
	{0, "\xCE\xFA\xED\xFE", other("a program")},
	{0, "\xCF\xFA\xED\xFE", other("a program")},
	{0, "SQLite format 3\x00", other("an SQLite database")},
	{0, "OggS", other("an audio file (Ogg)")},
	{0, "fLaC", other("an audio file (FLAC)")},
	{0, "\x1A\x45\xDF\xA3", other("a video (Matroska or WebM)")},
}

// ole2 starts a Compound File, the format of Office files before 2007.
const ole2 = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"

// heifBrands are the ftyp brands of HEIC photos, as iPhones take them.
var heifBrands = map[string]bool{"heic": true, "heix": true, "hevc": true, "hevx": true, "heim": true, "heis": true, "mif1": true, "msf1": true}

// bmpHeaders are the sizes of the header that follows a BMP's own.
var bmpHeaders = map[uint32]bool{12: true, 16: true, 40: true, 52: true, 56: true, 64: true, 108: true, 124: true}

// sniffHead says what the start of a file looks like when it cannot be a
// customer file, and nil when it may be text. ext, the name's extension
// in lower case, tells apart the Office files that share one format. A
// zip archive is left to zipKind, which reads its directory.
func sniffHead(head []byte, ext string) *fileKind {
	if len(head) > sniffSize {
		head = head[:sniffSize]
	}
	for _, s := range signatures {
		if len(head) >= s.at+len(s.mark) && string(head[s.at:s.at+len(s.mark)]) == s.mark {
			return s.kind
		}
	}
	has := func(at int, mark string) bool {
		return len(head) >= at+len(mark) && string(head[at:at+len(mark)]) == mark
	}
	switch {
	case has(0, ole2):
		switch ext {
		case ".doc", ".dot":
			return other("an old Word document (.doc)")
		case ".ppt", ".pps":
			return other("an old PowerPoint presentation (.ppt)")
		case ".msg":
			return other("an Outlook message")
		}
		return unreadable("an old Excel workbook (.xls)", "Open it in Excel and save it as .xlsx or CSV, then upload that.")
	case has(0, "RIFF") && has(8, "WEBP"):
		return other("a WebP image")
	case has(0, "RIFF") && has(8, "WAVE"):
		return other("an audio file (WAV)")
	case has(0, "RIFF") && has(8, "AVI "):
		return other("a video (AVI)")
	case has(4, "ftyp") && len(head) >= 12:
		brand := string(head[8:12])
		switch {
		case heifBrands[brand]:
			return other("a HEIC image")
		case brand == "avif" || brand == "avis":
			return other("an AVIF image")
		}
		return other("a video or audio file (MP4 or MOV)")
	// A text file may start with these letters; the bytes after them
	// could not follow in text.
	case has(0, "BM") && len(head) >= 18 && binary.LittleEndian.Uint32(head[6:]) == 0 && bmpHeaders[binary.LittleEndian.Uint32(head[14:])]:
		return other("a BMP image")
	case has(0, "ID3") && len(head) >= 5 && head[3] >= 2 && head[3] <= 4 && head[4] == 0:
		return other("an audio file (MP3)")
	case has(0, "BZh") && len(head) >= 10 && head[3] >= '1' && head[3] <= '9' && has(4, "1AY&SY"):
		return other("a bzip2 archive")
	case has(0, "MZ") && len(head) >= 64:
		if pe := int(binary.LittleEndian.Uint32(head[0x3C:])); pe > 0 && has(pe, "PE\x00\x00") {
			return other("a Windows program")
		}
	}
	if looksBinary(head) {
		return other("a binary file")
	}
	return nil
}

// looksBinary reports whether head holds bytes that text does not: more
// than one in twenty a control character other than the white space and
// end-of-file marks text files carry. UTF-16 text, which Excel saves as
// "Unicode Text", has a zero byte in every ASCII character, so it is
// judged by its characters instead of its bytes.
func looksBinary(head []byte) bool {
	if order := utf16Order(head); order != nil {
		n, ctrl := 0, 0
		for i := 0; i+1 < len(head); i += 2 {
			n++
			if isControl(rune(order.Uint16(head[i:]))) {
				ctrl++
			}
		}
		return ctrl >= 4 && ctrl*20 >= n
	}
	ctrl := 0
	for _, c := range head {
		if isControl(rune(c)) {
			ctrl++
		}
	}
	return ctrl >= 4 && ctrl*20 >= len(head)
}

// isControl reports a control character that text files do not hold. Tab,
// the line ends, form feed, vertical tab (which FileMaker writes for a line
// break within a field) and Ctrl-Z (which ends old DOS text files) are
// text.
func isControl(c rune) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', 0x1A:
		return false
	}
	return c < 0x20 || c == 0x7F
}

// utf16Order returns the byte order of head if it may be UTF-16 text: it
// starts with a byte order mark, or its zero bytes all fall on one side of
// its characters, as ASCII characters in UTF-16 leave them (binary data
// has them on both). It returns nil for anything else.
func utf16Order(head []byte) binary.ByteOrder {
	switch {
	case bytes.HasPrefix(head, bomUTF16LE):
		return binary.LittleEndian
	case bytes.HasPrefix(head, bomUTF16BE):
		return binary.BigEndian
	}
	var even, odd int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	switch {
	case odd > 0 && even == 0:
		return binary.LittleEndian
	case even > 0 && odd == 0:
		return binary.BigEndian
	}
	return nil
}

// isZipHead reports whether a file starts as a zip archive with entries,
// which is how every XLSX workbook starts.
func isZipHead(head []byte) bool { return bytes.HasPrefix(head, []byte("PK\x03\x04")) }

// zipKind says what a zip archive is, from the names in its directory,
// when it is not an Excel workbook; nil for a workbook, and for an archive
// whose directory cannot be read, which the workbook reader then refuses
// with its own reason.
func zipKind(ra io.ReaderAt, size int64, ext string) *fileKind {
	zr, err := openZip(ra, size)
	if err != nil {
		return nil
	}
	var office, word, slides bool
	var mimetype *zip.File
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))
		switch {
		case strings.HasPrefix(name, "xl/"):
			return nil
		case name == "[content_types].xml":
			office = true
		case strings.HasPrefix(name, "word/"):
			word = true
		case strings.HasPrefix(name, "ppt/"):
			slides = true
		case name == "mimetype":
			mimetype = f
		}
	}
	switch {
	case word:
		return other("a Word document (.docx)")
	case slides:
		return other("a PowerPoint presentation (.pptx)")
	case office:
		// An Office package laid out unusually: the workbook reader
		// follows its relationships to the workbook, if there is one.
		return nil
	case mimetype != nil:
		// OpenDocument files name their type in this first entry.
		var mt []byte
		if rc, err := mimetype.Open(); err == nil {
			mt, _ = io.ReadAll(io.LimitReader(rc, 128))
			rc.Close()
		}
		switch {
		case bytes.Contains(mt, []byte("opendocument.spreadsheet")):
			return unreadable("an OpenDocument spreadsheet (.ods)", "Save it as .xlsx or CSV (in LibreOffice: File, Save As), then upload that.")
		case bytes.Contains(mt, []byte("opendocument.text")):
			return other("an OpenDocument text document (.odt)")
		}
	case ext == ".numbers":
		return unreadable("an Apple Numbers spreadsheet", "Export it from Numbers as .xlsx or CSV, then upload that.")
	}
	return &fileKind{what: "a ZIP archive", zip: true}
}

// extOf is the extension of an uploaded file's name, in lower case.
func extOf(name string) string {
	return strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
}

// readSeekerAt is a file that can be looked at in place: an upload that
// net/http has in memory or on disk, an *os.File.
type readSeekerAt interface {
	io.Reader
	io.ReaderAt
	io.Seeker
}

// Screen looks at an uploaded file before it is stored and refuses one
// that cannot be a customer file with a *FileError saying what it looks like.
// It returns the reader to store the whole file from, and a function that
// releases what it took. A file that can be read at any offset is looked
// at in place; another is read ahead, and a zip archive, whose directory
// is at its end, is spooled to a temporary file to be looked at.
func Screen(name string, file io.Reader) (io.Reader, func(), error) {
	nothing := func() {}
	ext := extOf(name)
	if rs, ok := file.(readSeekerAt); ok {
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			if end, err := rs.Seek(0, io.SeekEnd); err == nil {
				if _, err := rs.Seek(start, io.SeekStart); err != nil {
					return nil, nothing, fmt.Errorf("sheet: rewinding %s: %w", name, err)
				}
				return file, nothing, judge(name, ext, io.NewSectionReader(rs, start, end-start), end-start)
			}
		}
	}
	br := bufio.NewReaderSize(file, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, nothing, fmt.Errorf("sheet: reading %s: %w", name, err)
	}
	if !isZipHead(head) {
		if k := sniffHead(head, ext); k != nil {
			return nil, nothing, k.fileError(name)
		}
		return br, nothing, nil
	}
	tmp, err := os.CreateTemp("", "callsheet-upload-*.zip")
	if err != nil {
		return nil, nothing, fmt.Errorf("sheet: spooling %s: %w", name, err)
	}
	// Gone from the folder at once where the system allows it, so that
	// nothing is left behind; the handle keeps it until release.
	removed := os.Remove(tmp.Name()) == nil
	release := func() {
		tmp.Close()
		if !removed {
			os.Remove(tmp.Name())
		}
	}
	n, err := io.Copy(tmp, io.LimitReader(br, maxWorkbookBytes+1))
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		release()
		return nil, nothing, fmt.Errorf("sheet: spooling %s: %w", name, err)
	}
	if n > maxWorkbookBytes {
		// Larger than the workbook reader takes, which says so when it
		// reads it; it is stored as it comes.
		return io.MultiReader(tmp, br), release, nil
	}
	if err := judge(name, ext, tmp, n); err != nil {
		release()
		return nil, nothing, err
	}
	return tmp, release, nil
}

// judge refuses a file of size bytes, read through ra, that cannot be a
// customer file.
func judge(name, ext string, ra io.ReaderAt, size int64) error {
	head := make([]byte, min(size, sniffSize))
	if _, err := ra.ReadAt(head, 0); err != nil && err != io.EOF {
		return fmt.Errorf("sheet: reading %s: %w", name, err)
	}
	var k *fileKind
	if isZipHead(head) {
		k = zipKind(ra, size, ext)
	} else {
		k = sniffHead(head, ext)
	}
	if k != nil {
		return k.fileError(name)
	}
	return nil
}
