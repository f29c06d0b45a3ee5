package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// binaryUploads are files people upload by mistake, made as their
// programs make them, with the message each upload must be refused with.
func binaryUploads(t *testing.T) []struct{ file, content, want string } {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < 8; i++ {
		img.Set(i, i, color.RGBA{200, 30, 30, 255})
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	var zipData bytes.Buffer
	zw := zip.NewWriter(&zipData)
	w, _ := zw.Create("customers.csv")
	io.WriteString(w, "Name,Phone\nDana,052-623-4567\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	ole2 := make([]byte, 512)
	copy(ole2, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	ole2[0x1A], ole2[0x1C], ole2[0x1D], ole2[0x1E] = 3, 0xFE, 0xFF, 9
	const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n" +
		"trailer << /Root 1 0 R >>\n%%EOF\n"
	return []struct{ file, content, want string }{
		{"photo.png", pngData.String(), "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file."},
		{"leads.pdf", pdf, "leads.pdf looks like a PDF document, not a customer file. Upload a CSV, TSV or XLSX file."},
		{"customers.zip", zipData.String(), "customers.zip looks like a ZIP archive, not an Excel workbook. Upload a CSV, TSV or XLSX file. If the file is inside the archive, unzip it first."},
		{"leads.xls", string(ole2), "leads.xls looks like an old Excel workbook (.xls), which cannot be read. Open it in Excel and save it as .xlsx or CSV, then upload that."},
	}
}

// storedImports counts the imports and the chunks of their files in the
// database.
func storedImports(t *testing.T, db *sqldb.DB) (jobs, chunks int) {
	t.Helper()
	if err := db.SQL().QueryRow(`SELECT count(*) FROM import_jobs`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(`SELECT count(*) FROM import_files`).Scan(&chunks); err != nil {
		t.Fatal(err)
	}
	return jobs, chunks
}

// TestBinaryUploadsRefused: a PNG, a PDF, a ZIP of a CSV and an old .xls
// are refused at the wizard's upload (the form again, with the message
// under the file field) and by POST /api/imports (422, invalid, the
// message on file), and nothing is stored; a CSV then goes in as before.
func TestBinaryUploadsRefused(t *testing.T) {
	files := binaryUploads(t)
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newAPIEnvOn(t, db, false)
		admin := newClient(t, e.ts.URL)
		admin.login(e.f.Admin.Login, storetest.Password)
		formPath := fmt.Sprintf("/campaigns/%d/import", e.camp.ID)

		for _, f := range files {
			t.Run("wizard "+f.file, func(t *testing.T) {
				admin.get(formPath)
				body, ctype := upload(t, f.file, f.content, map[string]string{"csrf": admin.csrf, "unique": "any"})
				resp, err := admin.http.Post(e.ts.URL+formPath, ctype, bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("Location") != "" {
					t.Fatalf("upload: %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
				}
				text := stripIsolates(html.UnescapeString(string(page)))
				if !strings.Contains(text, `<span class="field-error">`+f.want+`</span>`) {
					t.Errorf("the form does not say %q under the file field", f.want)
				}
				if !strings.Contains(text, `name="file"`) {
					t.Errorf("the upload form is not shown again")
				}
			})
			t.Run("api "+f.file, func(t *testing.T) {
				body, ctype := upload(t, f.file, f.content, map[string]string{"campaign_id": fmt.Sprint(e.camp.ID)})
				got := e.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ctype}).
					wantError(t, http.StatusUnprocessableEntity, "invalid")
				if got.Error.Message != f.want || got.Error.Fields["file"] != f.want {
					t.Errorf("error %+v, want %q on file", got.Error, f.want)
				}
			})
		}
		if jobs, chunks := storedImports(t, db); jobs != 0 || chunks != 0 {
			t.Fatalf("refused uploads left %d imports and %d file chunks", jobs, chunks)
		}
		if _, n, err := e.svc.Imports.FindImports(e.f.AdminCtx, callsheet.ImportJobFilter{}); err != nil || n != 0 {
			t.Fatalf("FindImports: %d (%v), want none", n, err)
		}

		// The same ways in still take a customer file.
		id := admin.uploadFile(e.camp.ID, "customers.csv", "Name,Phone\nDana,052-623-4567\n", nil)
		body, ctype := upload(t, "customers.csv", "Name,Phone\nNoa,053-222-3333\n", map[string]string{"campaign_id": fmt.Sprint(e.camp.ID), "dry_run": "true"})
		// Sent plainly: what counts here is that it is stored, not the
		// shape of the answer, which the API's own tests check.
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/imports", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("API upload of a CSV: %d", resp.StatusCode)
		}
		if jobs, chunks := storedImports(t, db); jobs != 2 || chunks < 2 || id == 0 {
			t.Fatalf("after two CSV uploads: %d imports and %d file chunks", jobs, chunks)
		}
	})
}
