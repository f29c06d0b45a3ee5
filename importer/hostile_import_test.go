package importer_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sheet/sheettest"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestHostileImport runs an import of a workbook whose 1,500 good rows are
// followed by a cell of 2 GiB: the job fails with the reader's message,
// and no customer is written, though the first rows were passed on before
// the bad one was reached.
func TestHostileImport(t *testing.T) {
	var rows strings.Builder
	rows.WriteString(sheettest.XLSheetHead + `<row r="1"><c t="inlineStr"><is><t>Name</t></is></c><c t="inlineStr"><is><t>Phone</t></is></c></row>`)
	for i := 2; i <= 1501; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c t="inlineStr"><is><t>Dana %d</t></is></c><c><v>9725210%05d</v></c></row>`, i, i, i)
	}
	rows.WriteString(`<row r="1502"><c t="inlineStr"><is><t>`)
	data := sheettest.HostileWorkbook(t, sheettest.BigPart{Name: "xl/worksheets/sheet1.xml", Head: rows.String(), Unit: "A", N: 2 << 30, Tail: `</t></is></c></row>` + sheettest.XLSheetTail}, nil)
	const want = `Cell A1502 of the sheet "Leads" holds more than 32,767 characters`

	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEngine(t, db, "hostile")
		job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "bomb.xlsx", Mapping: map[string]string{"name": "Name", "phone": "Phone"},
			Options: callsheet.ImportOptions{LoadValid: true}}
		_, err := e.svc.RunNow(e.f.AdminCtx, job, bytes.NewReader(data), nil)
		if msg := callsheet.ErrorMessage(err); !strings.Contains(msg, want) || callsheet.ErrorCode(err) != callsheet.EINVALID {
			t.Errorf("RunNow = %v, want an invalid-input error saying %q", err, want)
		}
		got, err := e.svc.Jobs.FindImportJobByID(e.f.AdminCtx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != callsheet.ImportFailed || !strings.Contains(got.Error, want) || !strings.Contains(got.Error, "Nothing was written.") {
			t.Errorf("job %s: %q", got.State, got.Error)
		}
		if _, n, err := sqldb.NewCustomerService(db).FindCustomers(e.f.AdminCtx, callsheet.CustomerFilter{Limit: 1}); err != nil || n != 0 {
			t.Errorf("%d customers written (%v), want none", n, err)
		}
	})
}
