// Package sheettest makes the files that the tests of the readers
// (package sheet) and of the import engine (package importer) read:
// workbooks part by part, files that are no customer files, and hostile
// workbooks of gigabytes made without holding them.
package sheettest

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// Zip zips the parts, by name, as one archive.
func Zip(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, text := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, text); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
