package sheettest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
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

// PNG is a small picture as a PNG file.
func PNG(t testing.TB) []byte {
	return encodeImage(t, func(b *bytes.Buffer) error { return png.Encode(b, picture()) })
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

// NotCustomerFile is a file of a kind people upload by mistake.
type NotCustomerFile struct {
	Name string // the case's name
	File string // the file's name as uploaded
	Data []byte
	Want string // what the refusal must say the file looks like
}

// NotCustomerFiles are files of the kinds people upload by mistake, as
// their programs write them, with what the message must say each looks like.
func NotCustomerFiles(t testing.TB) []NotCustomerFile {
	img := picture()
	return []NotCustomerFile{
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
