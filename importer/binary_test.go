package importer_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sheet/sheettest"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// streamed hides everything of a reader but Read, as a request body or a
// pipe gives a file, so that the upload is looked at as it streams in.
type streamed struct{ io.Reader }

// uploadWays are the kinds of reader an upload comes in: one that can be
// looked at in place (net/http's parts in memory or on disk, an os.File)
// and one that can only be read once.
var uploadWays = []struct {
	name string
	open func([]byte) io.Reader
}{
	{"in place", func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"streamed", func(b []byte) io.Reader { return streamed{bytes.NewReader(b)} }},
}

// storedFiles counts the imports of every account and the chunks of
// their files, straight from the tables.
func storedFiles(t *testing.T, db *sqldb.DB) (jobs, chunks int) {
	t.Helper()
	if err := db.SQL().QueryRow(`SELECT count(*) FROM import_jobs`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(`SELECT count(*) FROM import_files`).Scan(&chunks); err != nil {
		t.Fatal(err)
	}
	return jobs, chunks
}

// TestCreateImportRefusesBinaryFiles: a PNG, a PDF, a ZIP that is not a
// workbook and the other files people upload by mistake are refused
// before they are stored, by CreateImport (the wizard and the API) and by
// RunNow (the command line), with an invalid-input error that names the
// file and what it looks like; no import and no file is stored. Real
// exports and workbooks still go in whole, whichever way they come.
func TestCreateImportRefusesBinaryFiles(t *testing.T) {
	type upload struct {
		name, file string
		data       []byte
		want       string
	}
	var files []upload
	for _, f := range sheettest.NotCustomerFiles(t) {
		files = append(files, upload{f.Name, f.File, f.Data, f.File + " looks like " + f.Want})
	}
	zipped := sheettest.Zip(t, map[string]string{"customers.csv": "Name,Phone\nDana,052-623-4567\n"})
	files = append(files,
		upload{"zip of a csv", "customers.zip", zipped,
			"customers.zip looks like a ZIP archive, not an Excel workbook. Upload a CSV, TSV or XLSX file. If the file is inside the archive, unzip it first."},
		upload{"zip named xlsx", "customers.xlsx", zipped, "customers.xlsx looks like a ZIP archive, not an Excel workbook."},
		upload{"docx", "letter.docx", sheettest.Zip(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}),
			"letter.docx looks like a Word document (.docx), not a customer file."},
		upload{"ods", "leads.ods", sheettest.Zip(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office:document-content/>"}),
			"leads.ods looks like an OpenDocument spreadsheet (.ods), which cannot be read. Save it as .xlsx or CSV"},
	)
	pngData := sheettest.PNG(t)

	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEngine(t, db, "binary")
		for _, f := range files {
			for _, way := range uploadWays {
				job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: f.file, State: callsheet.ImportDraft}
				err := e.svc.CreateImport(e.f.AdminCtx, job, way.open(f.data))
				msg := callsheet.ErrorMessage(err)
				if callsheet.ErrorCode(err) != callsheet.EINVALID || !strings.HasPrefix(msg, f.want) || callsheet.ErrorFields(err)["file"] != msg {
					t.Errorf("%s, %s: CreateImport = %v, want an invalid-input error on file saying %q", f.name, way.name, err, f.want)
				}
				if job.ID != 0 {
					t.Errorf("%s, %s: job %d was made", f.name, way.name, job.ID)
				}
			}
		}
		job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "photo.png", Mapping: map[string]string{"phone": "Phone"}}
		_, err := e.svc.RunNow(e.f.AdminCtx, job, bytes.NewReader(pngData), nil)
		if want := "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file."; callsheet.ErrorMessage(err) != want || callsheet.ErrorCode(err) != callsheet.EINVALID {
			t.Errorf("RunNow = %v, want %q", err, want)
		}
		if jobs, chunks := storedFiles(t, db); jobs != 0 || chunks != 0 {
			t.Fatalf("refused files left %d imports and %d file chunks stored", jobs, chunks)
		}
		if _, n, err := e.svc.FindImports(e.f.AdminCtx, callsheet.ImportJobFilter{}); err != nil || n != 0 {
			t.Fatalf("FindImports: %d imports (%v), want none", n, err)
		}

		// What is a customer file goes in, byte for byte, and reads.
		good := map[string][]byte{"workbook without an extension": sheettest.XLSX(t, `<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row>`, "")}
		paths, _ := filepath.Glob(filepath.Join("..", "sheet", "testdata", "files", "*"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			good[filepath.Base(p)] = data
		}
		made := 0
		for name, data := range good {
			for _, way := range uploadWays {
				file := name
				if strings.Contains(name, " ") {
					file = "export"
				}
				job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: file, State: callsheet.ImportDraft}
				if err := e.svc.CreateImport(e.f.AdminCtx, job, way.open(data)); err != nil {
					t.Errorf("%s, %s: CreateImport = %v", name, way.name, err)
					continue
				}
				made++
				rc, err := e.svc.Jobs.OpenImportFile(e.f.AdminCtx, job.ID)
				if err != nil {
					t.Fatal(err)
				}
				stored, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || !bytes.Equal(stored, data) {
					t.Errorf("%s, %s: stored %d bytes (%v), want the file's %d", name, way.name, len(stored), err, len(data))
				}
				if p, err := e.svc.PreviewFile(e.f.AdminCtx, job.ID); err != nil || len(p.Header) == 0 {
					t.Errorf("%s, %s: PreviewFile = %v", name, way.name, err)
				}
			}
		}
		if _, n, err := e.svc.FindImports(e.f.AdminCtx, callsheet.ImportJobFilter{}); err != nil || n != made {
			t.Errorf("FindImports: %d imports (%v), want %d", n, err, made)
		}
	})
}

// TestCreateImportSeesTheFileFromWhereItIs: an os.File already read into
// is looked at, and stored, from where it stands, as the command line
// hands it over.
func TestCreateImportSeesTheFileFromWhereItIs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEngine(t, db, "offset")
		path := filepath.Join(t.TempDir(), "mixed.bin")
		pngData := sheettest.PNG(t)
		text := "Name,Phone\nDana,052-623-4567\n"
		if err := os.WriteFile(path, append(append([]byte(nil), pngData...), text...), 0o644); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		if _, err := fh.Seek(int64(len(pngData)), io.SeekStart); err != nil {
			t.Fatal(err)
		}
		job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "mixed.csv", State: callsheet.ImportDraft}
		if err := e.svc.CreateImport(e.f.AdminCtx, job, fh); err != nil {
			t.Fatalf("CreateImport of the text after the picture = %v", err)
		}
		rc, err := e.svc.Jobs.OpenImportFile(e.f.AdminCtx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if stored, _ := io.ReadAll(rc); string(stored) != text {
			t.Errorf("stored %q, want %q", stored, text)
		}

		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		job = &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "mixed.csv", State: callsheet.ImportDraft}
		if err := e.svc.CreateImport(e.f.AdminCtx, job, fh); callsheet.ErrorCode(err) != callsheet.EINVALID {
			t.Errorf("CreateImport of the picture = %v, want it refused", err)
		}
		if _, n, _ := e.svc.FindImports(e.f.AdminCtx, callsheet.ImportJobFilter{}); n != 1 {
			t.Errorf("%d imports, want the one of text", n)
		}
	})
}
