package sheet_test

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// The files in testdata/files are written from the text below, so that the
// bytes of every encoding come from an encoder rather than from an editor.
// go test -update rewrites them.

// hebrewExcelCSV is a Hebrew Excel "CSV (Comma delimited)" export.
const hebrewExcelCSV = `שם,שם משפחה,טלפון,נציג,תאריך חזרה,הערות
דנה,כהן,052-623-4567,יוסי,25/12/2026 14:30,לקוחה חמה
משה,לוי,054-765-4321,רונית,01/01/2027 09:00,"ביקש הצעת מחיר, לחזור בבוקר"
אבי,מזרחי,972526234567,יוסי,,לא ענה
נועה,פרץ,+972 52-555-1234,רונית,03/01/2027 16:15,
יעל,בן דוד,050-711-2222,יוסי,05/01/2027 10:00,"אמרה ""תתקשרו אחרי 5"""
עומר,"כ""ץ",053-222-3333,רונית,07/01/2027 12:00,מעוניין במנוי שנתי
תמר,שלום,058-499-8888,יוסי,08/01/2027 11:45,"הצעה: ₪1,200 לשנה"
ליאור,אברהם,052-000-1111,רונית,,
`

// utf8BOMCSV is an Excel "CSV UTF-8" export: a note spans two lines.
const utf8BOMCSV = "Name,Last Name,Phone,Email,Agent,Follow Up,Notes\n" +
	"Dana,Cohen,052-623-4567,dana.cohen@example.com,Yossi,25-12-2026 14:30,First call went well\n" +
	"Moshe,Levi,972547234567,moshe.levi@example.com,Ronit,01-01-2027 09:00,\"Called twice, no answer. Said \"\"call after 5\"\"\x00Prefers WhatsApp\"\n" +
	"דנה,כהן,+972 52-555-1234,dana@example.co.il,יוסי,,לקוחה מתל אביב\n" +
	"Avi,Mizrahi,050-711-2222,,Yossi,03-01-2027 16:15,\n" +
	"Noa,Peretz,053-222-3333,noa.peretz@example.com,Ronit,,Wants the annual plan\n"

// googleSheetsCSV is a Google Sheets download: LF, no final line end, and
// rows from a wider range with empty trailing columns.
const googleSheetsCSV = `Full Name,Phone Number,Email Address,Rep,Created,Source,Notes
Dana Cohen,052-623-4567,dana.cohen@example.com,Yossi,2026-03-01 10:15,Facebook,Interested in the annual plan
Moshe Levi,972547234567,moshe@example.com,Ronit,2026-03-02 11:00,Google Ads,,,
Avi Mizrahi,+972 52-555-1234,avi@example.com,Yossi,2026-03-03 09:30,Referral,"Asked for a quote, call back Sunday"
Noa Peretz,050-711-2222,,Ronit,2026-03-04 14:00,Facebook,,,
Yael Ben David,053-222-3333,yael@example.com,Yossi,2026-03-05 16:45,Website,"Said ""maybe next month"""
Omer Katz,058-999-8888,omer.katz@example.com,Ronit,2026-03-06 12:00,Google Ads,`

// semicolonCSV is a European Excel export: semicolons, Windows-1252.
const semicolonCSV = `Name;Phone;E-mail;Agent;Created;Comments
José Müller;+49 151 2345 6789;jose.mueller@example.de;Yossi;12.03.2026 10:00;Rückruf, bitte am Montag
François Dupont;+33 6 12 34 56 78;francois@example.fr;Ronit;13.03.2026 11:30;Très intéressé
Zoë Ångström;052-623-4567;zoe@example.se;Yossi;14.03.2026 09:15;"Wants ""premium""; call in the morning"
Conceição Araújo;+351 912 345 678;conceicao@example.pt;Ronit;15.03.2026 14:00;Preço: 1.234,50 €
Søren Østergaard;+45 20 12 34 56;soren@example.dk;Yossi;;
`

// excelUnicodeText is Excel's "Unicode Text": UTF-16LE, tabs.
const excelUnicodeText = "Name\tPhone\tEmail\tAgent\tCreated\tNotes\n" +
	"דנה כהן\t052-623-4567\tdana@example.com\tיוסי\t25/12/2026\tלקוחה חמה\n" +
	"Moshe Levi\t972547234567\tmoshe@example.com\tRonit\t01/01/2027\t\"Said \"\"call later\"\"\"\n" +
	"אבי מזרחי\t+972 52-555-1234\t\tיוסי\t02/01/2027\t\n" +
	"Noa Peretz\t050-711-2222\tnoa@example.com\tRonit\t\t\"Two lines:\x00first, second\"\n"

// brokenCSV has an unclosed quote, a quote followed by text, rows with too
// many and too few fields and blank rows, with good rows among them.
const brokenCSV = `Name,Phone,Email,Agent,Notes
Dana Cohen,052-623-4567,dana@example.com,Yossi,First call
"Moshe Levi,054-765-4321,moshe@example.com,Ronit,Quote never closed
Avi Mizrahi,+972 52-555-1234,avi@example.com,Yossi,Good row after the broken quote
Noa Peretz,050-711-2222,noa@example.com,Ronit,Wants a callback,extra,fields

,,,,
Yael Ben David,053-222-3333,yael@example.com,Yossi,"Said ""call me after 5"""
Omer Katz,0526234567,omer@example.com
Tamar Levi,052-999-8888,tamar@example.com,Ronit,"Text after" the quote
Lior Shalom,054-000-1111,lior@example.com,Yossi,Last good row
`

// writeTestFiles writes the test files into dir.
func writeTestFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	// Excel ends rows with CRLF but a line inside a cell with LF alone;
	// \x00 marks those in the text above.
	cellLF := func(s string) string { return strings.ReplaceAll(s, "\x00", "\n") }
	utf16 := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	files := []struct {
		name string
		text string
		enc  encoding.Encoding
		bom  string
	}{
		{"excel-hebrew-windows-1255.csv", crlf(hebrewExcelCSV), charmap.Windows1255, ""},
		{"utf8-bom.csv", cellLF(crlf(utf8BOMCSV)), nil, "\uFEFF"},
		{"google-sheets.csv", googleSheetsCSV, nil, ""},
		{"semicolon.csv", crlf(semicolonCSV), charmap.Windows1252, ""},
		{"excel-unicode.txt", cellLF(crlf(excelUnicodeText)), utf16, ""},
		{"broken.csv", crlf(brokenCSV), nil, ""},
	}
	for _, f := range files {
		data := []byte(f.bom + f.text)
		if f.enc != nil {
			var err error
			if data, err = f.enc.NewEncoder().Bytes(data); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), data, 0o644); err != nil {
			return err
		}
	}
	x, err := customersWorkbook()
	if err != nil {
		return err
	}
	defer x.Close()
	name := filepath.Join(dir, "customers.xlsx")
	if err := x.SaveAs(name); err != nil {
		return err
	}
	return os.Chmod(name, 0o644)
}

// customersWorkbook builds customers.xlsx: numeric phones, dates with and
// without a time, shared and rich text strings, Hebrew, a formula, a
// boolean, a skipped row number and a second sheet.
func customersWorkbook() (*excelize.File, error) {
	x := excelize.NewFile()
	const s = "Customers"
	if err := x.SetSheetName("Sheet1", s); err != nil {
		return nil, err
	}
	dateTime := "dd/mm/yyyy hh:mm"
	dateTimeStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: &dateTime})
	if err != nil {
		return nil, err
	}
	dateStyle, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return nil, err
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	rows := [][]any{
		{"Name", "Last Name", "Phone", "Email", "Agent", "Follow Up", "Created", "Notes", "Calls", "VIP"},
		{"דנה", "כהן", int64(972526234567), "dana@example.com", "יוסי", at(2026, 12, 25, 14, 30), at(2026, 3, 1, 0, 0), "לקוחה חמה", 3, true},
		{"Moshe", "Levi", int64(972547234567), "moshe@example.com", "Ronit", at(2027, 1, 1, 9, 0), at(2026, 3, 2, 0, 0), nil, 0, false},
		nil,
		{"Avi", "Mizrahi", "052-623-4567", "avi@example.com", "יוסי", nil, at(2026, 3, 3, 0, 0), "Prefers email", nil, nil},
		{"נועה", "פרץ", int64(526234567), "", "Ronit", at(2027, 1, 3, 16, 15), at(2026, 3, 4, 0, 0), "Formula in Calls", nil, nil},
	}
	for i, row := range rows {
		for j, v := range row {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := x.SetCellValue(s, cell, v); err != nil {
				return nil, err
			}
			if _, ok := v.(time.Time); ok {
				style := dateStyle
				if j == 5 {
					style = dateTimeStyle
				}
				if err := x.SetCellStyle(s, cell, cell, style); err != nil {
					return nil, err
				}
			}
		}
	}
	// A rich text note: runs in different fonts make one string.
	if err := x.SetCellRichText(s, "H3", []excelize.RichTextRun{
		{Text: "Called twice, ", Font: &excelize.Font{Bold: true}},
		{Text: "no answer"},
	}); err != nil {
		return nil, err
	}
	// A formula with its cached result, as Excel saves it.
	if err := x.SetCellInt(s, "I6", 5); err != nil {
		return nil, err
	}
	if err := x.SetCellFormula(s, "I6", "2+3"); err != nil {
		return nil, err
	}

	const archive = "ארכיון"
	if _, err := x.NewSheet(archive); err != nil {
		return nil, err
	}
	for i, row := range [][]any{
		{"Name", "Phone"},
		{"Old Customer", int64(972500000001)},
		{"לקוח ישן", "03-555-1234"},
	} {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := x.SetCellValue(archive, cell, v); err != nil {
				return nil, err
			}
		}
	}
	return x, nil
}
