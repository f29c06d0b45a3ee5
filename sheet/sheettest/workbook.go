package sheettest

import (
	"strings"
	"testing"
)

// The parts of a workbook written by hand, to reach what generators seldom
// write: exponents, errors, inline and phonetic strings, custom styles,
// the 1904 date system. XLWorkbook holds a %s for the attributes of its
// workbookPr; XLSheetHead and XLSheetTail go round a sheet's rows.
const (
	XLContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`
	XLRootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>`
	XLWorkbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.com/" TargetMode="External"/>
</Relationships>`
	XLWorkbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr%s/>
<sheets><sheet name="Leads" sheetId="1" r:id="rId1"/><sheet name="Other" sheetId="2" r:id="rId2"/></sheets>
</workbook>`
	XLSharedStrings = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">
<si><t>Name</t></si>
<si><t xml:space="preserve">Phone </t></si>
<si><r><t>Dana </t></r><r><rPr><b/></rPr><t>Cohen</t></r><rPh sb="0" eb="1"><t>ダナ</t></rPh><phoneticPr fontId="1"/></si>
<si><t>Value</t></si>
<si><t>דנה &amp; משה</t></si>
<si><t/></si>
</sst>`
	// Styles: 0 general, 1 date (14), 2 date and time (22), 3 custom
	// date, 4 elapsed time, 5 quoted letters, 6 colour and decimals,
	// 7 custom time.
	XLStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="5">
<numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/>
<numFmt numFmtId="165" formatCode="[h]:mm:ss"/>
<numFmt numFmtId="166" formatCode="&quot;Days: &quot;0"/>
<numFmt numFmtId="167" formatCode="[Red]#,##0.00"/>
<numFmt numFmtId="168" formatCode="[$-he-IL]h:mm AM/PM"/>
</numFmts>
<cellStyleXfs count="2"><xf numFmtId="14"/><xf numFmtId="0"/></cellStyleXfs>
<cellXfs count="8">
<xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/><xf numFmtId="22" xfId="0"/>
<xf numFmtId="164" xfId="0"/><xf numFmtId="165" xfId="0"/><xf numFmtId="166" xfId="0"/><xf numFmtId="167" xfId="0"/>
<xf numFmtId="168" xfId="0"/>
</cellXfs>
</styleSheet>`
	XLSheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C9"/><sheetData>`
	XLSheetTail = `</sheetData><mergeCells count="0"/></worksheet>`
)

// XLSX zips a workbook of the parts above whose first sheet has the given
// rows (the XML inside <sheetData>). workbookPr holds attributes of that
// element.
func XLSX(t testing.TB, rows string, workbookPr string) []byte {
	t.Helper()
	parts := map[string]string{
		"[Content_Types].xml":        XLContentTypes,
		"_rels/.rels":                XLRootRels,
		"xl/_rels/workbook.xml.rels": XLWorkbookRels,
		"xl/workbook.xml":            strings.Replace(XLWorkbook, "%s", workbookPr, 1),
		"xl/sharedStrings.xml":       XLSharedStrings,
		"xl/styles.xml":              XLStyles,
		"xl/worksheets/sheet1.xml":   XLSheetHead + rows + XLSheetTail,
		"xl/worksheets/sheet2.xml":   XLSheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>Other</t></is></c></row>` + XLSheetTail,
	}
	return Zip(t, parts)
}
