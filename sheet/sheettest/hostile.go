package sheettest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

// BigPart is a zip entry of Head, then Unit repeated N times, then Tail.
// Claim, when not zero, is the uncompressed size its header gives instead
// of the true one.
type BigPart struct {
	Name       string
	Head, Unit string
	N          int64
	Tail       string
	Claim      int64
}

// deflateRepeat compresses a BigPart into one raw deflate stream without
// ever holding its text. A segment of units, compressed after a window of
// units, refers back only to units, so it decodes the same after any
// number of copies of itself: it is compressed once and repeated.
func deflateRepeat(tb testing.TB, p BigPart) (raw []byte, crc uint32, size int64) {
	tb.Helper()
	u := len(p.Unit)
	window := (64<<10 + u - 1) / u
	seg := (1<<20 + u - 1) / u
	var out bytes.Buffer
	fw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	write := func(s string) {
		if _, err := io.WriteString(fw, s); err != nil {
			tb.Fatal(err)
		}
		crc = crc32.Update(crc, crc32.IEEETable, []byte(s))
	}
	write(p.Head)
	n := p.N
	if n >= int64(window+seg) {
		write(strings.Repeat(p.Unit, window))
		if err := fw.Flush(); err != nil {
			tb.Fatal(err)
		}
		mark := out.Len()
		segText := strings.Repeat(p.Unit, seg)
		write(segText)
		if err := fw.Flush(); err != nil {
			tb.Fatal(err)
		}
		segment := bytes.Clone(out.Bytes()[mark:])
		copies := (n - int64(window)) / int64(seg)
		segBytes := []byte(segText)
		for range copies - 1 {
			out.Write(segment)
			crc = crc32.Update(crc, crc32.IEEETable, segBytes)
		}
		n -= int64(window) + copies*int64(seg)
	}
	for n > 0 {
		k := min(n, int64(seg))
		write(strings.Repeat(p.Unit, int(k)))
		n -= k
	}
	write(p.Tail)
	if err := fw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes(), crc, int64(len(p.Head)) + p.N*int64(u) + int64(len(p.Tail))
}

// HostileWorkbook zips the parts of a small workbook, replacing or adding
// those given, with big as its one large entry, which may unpack to
// gigabytes: it is compressed without ever being held.
func HostileWorkbook(tb testing.TB, big BigPart, parts map[string]string) []byte {
	tb.Helper()
	all := map[string]string{
		"[Content_Types].xml":        XLContentTypes,
		"_rels/.rels":                XLRootRels,
		"xl/_rels/workbook.xml.rels": XLWorkbookRels,
		"xl/workbook.xml":            strings.Replace(XLWorkbook, "%s", "", 1),
		"xl/styles.xml":              XLStyles,
		"xl/sharedStrings.xml":       XLSharedStrings,
		"xl/worksheets/sheet1.xml":   XLSheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>` + XLSheetTail,
	}
	for name, text := range parts {
		all[name] = text
	}
	delete(all, big.Name)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, text := range all {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		io.WriteString(w, text)
	}
	raw, crc, size := deflateRepeat(tb, big)
	if big.Claim != 0 {
		size = big.Claim
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: big.Name, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(raw)), UncompressedSize64: uint64(size)})
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(raw)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
