package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestImportRefusesBinaryFiles: callsheet import refuses a PNG, a PDF and
// a ZIP of a CSV, with or without --map, as invalid with a message naming
// the file and what it looks like, exits 1 with it, and stores nothing;
// on both engines.
func TestImportRefusesBinaryFiles(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(3, 3, color.RGBA{0, 90, 200, 255})
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	var zipData bytes.Buffer
	zw := zip.NewWriter(&zipData)
	w, _ := zw.Create("customers.csv")
	io.WriteString(w, "name,phone\nDana,052-623-4567\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	files := []struct{ name, data, want string }{
		{"photo.png", pngData.String(), "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file."},
		{"leads.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
			"leads.pdf looks like a PDF document, not a customer file. Upload a CSV, TSV or XLSX file."},
		{"customers.zip", zipData.String(),
			"customers.zip looks like a ZIP archive, not an Excel workbook. Upload a CSV, TSV or XLSX file. If the file is inside the archive, unzip it first."},
	}
	for i := range files {
		p := filepath.Join(dir, files[i].name)
		if err := os.WriteFile(p, []byte(files[i].data), 0o644); err != nil {
			t.Fatal(err)
		}
		files[i].name = p
	}

	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "cs.db")
			if engine == "postgres" {
				dsn = storetest.PostgresSchemaDSN(t)
			}
			runOK(t, "account", "create", "--db", dsn, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
			runOK(t, "campaign", "create", "--db", dsn, "--account", "Acme", "--name", "Leads")
			for _, f := range files {
				for _, mapping := range [][]string{nil, {"--map", "name=name,phone=phone"}} {
					args := append([]string{"import", "--db", dsn, "--account", "Acme", "--campaign", "Leads", "--file", f.name}, mapping...)
					var stdout, stderr bytes.Buffer
					err := run(context.Background(), args, &stdout, &stderr)
					if callsheet.ErrorCode(err) != callsheet.EINVALID || describe(err) != f.want {
						t.Errorf("import %s %v = %v, want %q", filepath.Base(f.name), mapping, err, f.want)
					}
				}
			}

			// The command as run: the message on stderr, exit status 1.
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "CALLSHEET_TEST_COMMAND="+strings.Join([]string{"import", "--db", dsn, "--account", "Acme",
				"--campaign", "Leads", "--file", files[0].name}, "\x1f"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), files[0].want) {
				t.Errorf("callsheet import photo.png: %v, stderr %q; want exit status 1 and %q", err, stderr.String(), files[0].want)
			}

			db := sqldb.NewDB(dsn)
			if err := db.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var jobs, chunks int
			if err := db.SQL().QueryRow(`SELECT count(*) FROM import_jobs`).Scan(&jobs); err != nil {
				t.Fatal(err)
			}
			if err := db.SQL().QueryRow(`SELECT count(*) FROM import_files`).Scan(&chunks); err != nil {
				t.Fatal(err)
			}
			if jobs != 0 || chunks != 0 {
				t.Errorf("refused imports left %d imports and %d file chunks", jobs, chunks)
			}
		})
	}
}
