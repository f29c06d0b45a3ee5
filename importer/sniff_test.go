package importer_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/callsheet/callsheet/importer"
)

// picture is a small image with some colour in it, as a photo would have.
func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := 0; x < 16; x++ {
		for y := 0; y < 16; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 128, 255})
		}
	}
	return img
}

// encodeImage writes img with an image encoder.
func encodeImage(t testing.TB, enc func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// minimalPDF is a PDF as small as a reader accepts: a catalog, its page
// tree and the cross-reference table.
const minimalPDF = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n" +
	"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n" +
	"xref\n0 3\n0000000000 65535 f \n0000000015 00000 n \n0000000064 00000 n \n" +
	"trailer << /Size 3 /Root 1 0 R >>\nstartxref\n115\n%%EOF\n"

// ole2Header is the first sector of a Compound File, the format of .xls,
// .doc and .ppt files: its signature, version and sector sizes.
func ole2Header() []byte {
	h := make([]byte, 512)
	copy(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	binary.LittleEndian.PutUint16(h[0x18:], 0x3E)   // minor version
	binary.LittleEndian.PutUint16(h[0x1A:], 3)      // major version
	binary.LittleEndian.PutUint16(h[0x1C:], 0xFFFE) // little-endian
	binary.LittleEndian.PutUint16(h[0x1E:], 9)      // 512-byte sectors
	binary.LittleEndian.PutUint16(h[0x20:], 6)      // 64-byte mini sectors
	for i := 0x4C; i < 512; i += 4 {
		binary.LittleEndian.PutUint32(h[i:], 0xFFFFFFFF) // free FAT slots
	}
	return h
}

// bmp is a 2×2 BMP image, header by header.
func bmp() []byte {
	b := make([]byte, 54+16)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], uint32(len(b)))
	binary.LittleEndian.PutUint32(b[10:], 54)
	binary.LittleEndian.PutUint32(b[14:], 40)
	binary.LittleEndian.PutUint32(b[18:], 2)
	binary.LittleEndian.PutUint32(b[22:], 2)
	binary.LittleEndian.PutUint16(b[26:], 1)
	binary.LittleEndian.PutUint16(b[28:], 32)
	for i := 54; i < len(b); i++ {
		b[i] = 0xC0
	}
	return b
}

// windowsProgram is the start of a Windows executable: the DOS stub
// pointing to the PE header.
func windowsProgram() []byte {
	b := make([]byte, 0x80)
	copy(b, "MZ\x90\x00\x03")
	binary.LittleEndian.PutUint32(b[0x3C:], 0x40)
	copy(b[0x40:], "PE\x00\x00\x4C\x01")
	copy(b[0x4E:], "This program cannot be run in DOS mode.")
	return b
}

// gzipped compresses text as gzip does.
func gzipped(t testing.TB, text string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(text))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tarred puts a CSV in a tar archive.
func tarred(t testing.TB, name, text string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(text))})
	tw.Write([]byte(text))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// randomBytes are bytes such as compressed or encrypted data holds.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// numbersRecord is binary data that is not compressed: little-endian
// numbers, with zero bytes on both sides of each pair.
func numbersRecord() []byte {
	b := make([]byte, 2048)
	for i := 0; i+4 <= len(b); i += 4 {
		binary.LittleEndian.PutUint32(b[i:], uint32(i*37))
	}
	return b
}

// encodeUTF16 encodes text as UTF-16 in the given order, with or without
// a byte order mark.
func encodeUTF16(text string, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	units := utf16.Encode([]rune(text))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		b = order.AppendUint16(b, u)
	}
	return b
}

// notCustomerFiles are files of the kinds people upload by mistake, as
// their programs write them, with what the message must say each looks like.
func notCustomerFiles(t testing.TB) []struct {
	name, file string
	data       []byte
	want       string
} {
	img := picture()
	return []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"png", "photo.png", encodeImage(t, func(b *bytes.Buffer) error { return png.Encode(b, img) }), "a PNG image"},
		{"png named csv", "customers.csv", encodeImage(t, func(b *bytes.Buffer) error { return png.Encode(b, img) }), "a PNG image"},
		{"jpeg", "IMG_0001.JPG", encodeImage(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, img, nil) }), "a JPEG image"},
		{"gif", "logo.gif", encodeImage(t, func(b *bytes.Buffer) error { return gif.Encode(b, img, nil) }), "a GIF image"},
		{"bmp", "scan.bmp", bmp(), "a BMP image"},
		{"tiff", "scan.tif", append([]byte("II*\x00\x08\x00\x00\x00"), make([]byte, 64)...), "a TIFF image"},
		{"webp", "photo.webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00\x30\x01\x00\x9d\x01\x2a"), "a WebP image"},
		{"heic", "IMG_0002.HEIC", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x00meta"), "a HEIC image"},
		{"pdf", "leads.pdf", []byte(minimalPDF), "a PDF document"},
		{"old xls", "leads.xls", ole2Header(), "an old Excel workbook (.xls), which cannot be read. Open it in Excel and save it as .xlsx or CSV"},
		{"old doc", "letter.doc", ole2Header(), "an old Word document (.doc)"},
		{"rtf", "notes.rtf", []byte(`{\rtf1\ansi\deff0 {\fonttbl {\f0 Arial;}} Name, Phone\par }`), "an RTF document"},
		{"gzip", "customers.csv.gz", gzipped(t, "Name,Phone\nDana,052-623-4567\n"), "a gzip archive"},
		{"tar", "customers.tar", tarred(t, "customers.csv", "Name,Phone\nDana,052-623-4567\n"), "a tar archive"},
		{"7z", "customers.7z", []byte("7z\xBC\xAF\x27\x1C\x00\x04\x8d\x9b\xd5\x0f"), "a 7-Zip archive"},
		{"rar", "customers.rar", []byte("Rar!\x1A\x07\x01\x00\x33\x92\xb5\xe5"), "a RAR archive"},
		{"windows program", "setup.exe", windowsProgram(), "a Windows program"},
		{"linux program", "callsheet", append([]byte("\x7FELF\x02\x01\x01"), make([]byte, 57)...), "a program"},
		{"sqlite", "crm.db", append([]byte("SQLite format 3\x00\x10\x00\x01\x01"), make([]byte, 84)...), "an SQLite database"},
		{"mp3", "call.mp3", append([]byte("ID3\x03\x00\x00\x00\x00\x0f\x76"), randomBytes(200)...), "an audio file (MP3)"},
		{"compressed data", "export.dat", randomBytes(8192), "a binary file"},
		{"uncompressed data", "export.bin", numbersRecord(), "a binary file"},
	}
}

// TestOpenRefusesWhatIsNotText: a file that is not text is refused by the
// reader whatever format is asked for, with its name and what it looks
// like, so that its bytes never reach the mapping table.
func TestOpenRefusesWhatIsNotText(t *testing.T) {
	for _, tt := range notCustomerFiles(t) {
		for _, format := range []string{"", "csv", "tsv", "xlsx"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				tb, err := importer.Open(bytes.NewReader(tt.data), tt.file, importer.ReadOptions{Format: format})
				if err == nil {
					tb.Close()
					t.Fatalf("Open read %s as %s: %q", tt.file, tb.Info().Format, tb.Header())
				}
				var fe *importer.FileError
				if !errors.As(err, &fe) || !strings.HasPrefix(fe.Message, tt.file+" looks like "+tt.want) {
					t.Errorf("Open = %v, want a *FileError saying %q", err, tt.file+" looks like "+tt.want)
				}
			})
		}
	}
}

// TestRefusalMessage spells out the whole message, with the name as the
// user knows it.
func TestRefusalMessage(t *testing.T) {
	data := encodeImage(t, func(b *bytes.Buffer) error { return png.Encode(b, picture()) })
	for name, want := range map[string]string{
		"photo.png":              "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
		`C:\fakepath\photo.png`:  "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
		"uploads/2026/photo.png": "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
		"":                       "The file looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
		"bad\nname.png":          "bad\uFFFDname.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
	} {
		_, err := importer.Open(bytes.NewReader(data), name, importer.ReadOptions{})
		var fe *importer.FileError
		if !errors.As(err, &fe) || fe.Message != want {
			t.Errorf("Open(%q) = %v, want %q", name, err, want)
		}
	}
}

// TestOpenReadsTextThatLooksOdd: text files pass however they are encoded,
// with the odd bytes real exports carry, and whatever letters their first
// column starts with.
func TestOpenReadsTextThatLooksOdd(t *testing.T) {
	hebrew := "שם\tטלפון\tהערות\r\nדנה לוי\t052-623-4567\tלקוחה ותיקה\r\nיוסי כהן\t053-222-3333\t\r\n"
	tests := []struct {
		name, file string
		data       []byte
		header     []string
	}{
		{"utf-16le with bom", "unicode.txt", encodeUTF16(hebrew, binary.LittleEndian, true), []string{"שם", "טלפון", "הערות"}},
		{"utf-16be with bom", "unicode.txt", encodeUTF16(hebrew, binary.BigEndian, true), []string{"שם", "טלפון", "הערות"}},
		{"utf-16le without bom", "unicode.txt", encodeUTF16("Name\tPhone\r\nDana\t052-623-4567\r\n", binary.LittleEndian, false), []string{"Name", "Phone"}},
		{"utf-16le hebrew without bom", "unicode.txt", encodeUTF16(hebrew, binary.LittleEndian, false), nil},
		{"stray NUL in a field", "export.csv", []byte("Name,Phone,Notes\nDana,052-623-4567,bro\x00ken\nNoa,053-222-3333,ok\n"), []string{"Name", "Phone", "Notes"}},
		{"dos end-of-file mark", "old.csv", []byte("Name,Phone\r\nDana,052-623-4567\r\n\x1A"), []string{"Name", "Phone"}},
		{"filemaker line breaks", "fm.tab", []byte("Name\tNotes\rDana\tfirst\vsecond\vthird\rNoa\tx\vy\vz\r"), []string{"Name", "Notes"}},
		{"starts with BM", "cars.csv", []byte("BMW dealer,Phone\nDana,052-623-4567\n"), []string{"BMW dealer", "Phone"}},
		{"starts with MZ", "mz.csv", []byte("MZ code,Phone\nDana,052-623-4567\n"), []string{"MZ code", "Phone"}},
		{"starts with ID3", "id.csv", []byte("ID3,Phone\nDana,052-623-4567\n"), []string{"ID3", "Phone"}},
		{"starts with GIF", "gift.csv", []byte("GIFT,Phone\nDana,052-623-4567\n"), []string{"GIFT", "Phone"}},
		{"starts with PK", "pk.csv", []byte("PK,Phone\n17,052-623-4567\n"), []string{"PK", "Phone"}},
		{"starts with RIFF", "riff.csv", []byte("RIFF,Phone\nx,052-623-4567\n"), []string{"RIFF", "Phone"}},
		{"windows-1255", "hebrew.csv", []byte("\xf9\xed,\xe8\xec\xf4\xe5\xef\r\n\xe3\xf0\xe4,052-623-4567\r\n"), []string{"שם", "טלפון"}},
		{"one line, no end", "one.csv", []byte("Name,Phone"), []string{"Name", "Phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := importer.Open(bytes.NewReader(tt.data), tt.file, importer.ReadOptions{})
			if err != nil {
				t.Fatalf("Open = %v", err)
			}
			defer tb.Close()
			if tt.header != nil && strings.Join(tb.Header(), "|") != strings.Join(tt.header, "|") {
				t.Errorf("header %q, want %q", tb.Header(), tt.header)
			}
		})
	}
}

// TestOpenReadsEveryTestFile: none of the real exports in testdata/files
// is taken for a binary file, read whole or by its first 4 KiB.
func TestOpenReadsEveryTestFile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "files", "*"))
	if err != nil || len(files) < 5 {
		t.Fatalf("test files: %v %v", files, err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{len(data), min(len(data), 4096)} {
			tb, err := importer.Open(bytes.NewReader(data[:n]), filepath.Base(path), importer.ReadOptions{})
			var fe *importer.FileError
			if errors.As(err, &fe) && strings.Contains(fe.Message, "looks like") {
				t.Errorf("%s (%d bytes): %v", path, n, err)
			}
			if err == nil {
				tb.Close()
			}
		}
	}
}

// TestOpenNamesAnArchiveOnDisk: a zip that is no workbook, opened from
// disk as the command line opens it, is named as its upload would be.
func TestOpenNamesAnArchiveOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "customers.zip")
	if err := os.WriteFile(path, zipParts(t, map[string]string{"customers.csv": "Name,Phone\nDana,052-623-4567\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	_, err = importer.Open(fh, path, importer.ReadOptions{})
	var fe *importer.FileError
	if want := "customers.zip looks like a ZIP archive, not an Excel workbook."; !errors.As(err, &fe) || !strings.HasPrefix(fe.Message, want) {
		t.Errorf("Open = %v, want %q", err, want)
	}
}
