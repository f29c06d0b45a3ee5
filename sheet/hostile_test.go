package sheet_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/callsheet/callsheet/sheet"
	"github.com/callsheet/callsheet/sheet/sheettest"
)

// Hostile files are made as the tests run, never stored: a few megabytes
// of zip hold gigabytes of XML, and a text file of a gigabyte is produced
// as it is read.

const (
	sstHead = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	sheet1  = "xl/worksheets/sheet1.xml"
	sst     = "xl/sharedStrings.xml"
	// headerRow is the first row of a hostile sheet: the header.
	headerRow = `<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Notes</t></is></c></row>`
)

// repeatReader yields head, then unit n times, then tail, as it is read.
type repeatReader struct {
	parts []io.Reader
}

func newRepeatReader(head string, unit []byte, n int64, tail string) io.Reader {
	chunk := bytes.Repeat(unit, max(1, (64<<10)/len(unit)))
	per := int64(len(chunk) / len(unit))
	rs := []io.Reader{strings.NewReader(head)}
	rs = append(rs, &chunkReader{chunk: chunk, left: n / per})
	rs = append(rs, bytes.NewReader(bytes.Repeat(unit, int(n%per))), strings.NewReader(tail))
	return io.MultiReader(rs...)
}

// chunkReader yields chunk left times.
type chunkReader struct {
	chunk []byte
	left  int64
	off   int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunk[c.off:])
	c.off += n
	if c.off == len(c.chunk) {
		c.off = 0
		c.left--
	}
	return n, nil
}

// utf16LE encodes ASCII text as UTF-16LE.
func utf16LE(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

// hostileFile is a file made to exhaust a reader.
type hostileFile struct {
	name string
	// file is the file's name as uploaded; its extension chooses the format.
	file string
	// open returns the file's content: a workbook in memory, or text made
	// as it is read.
	open func(tb testing.TB) io.Reader
	// want is in the message of the error that ends reading.
	want string
	// wantRow, when set, is in the message of a row error before it.
	wantRow string
}

// laughs is a billion-laughs document type: ten levels of ten.
func laughs() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol0 "lol">`)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	b.WriteString(`]>`)
	return b.String()
}

// hostileFiles are the files of issue 11 and their kin.
func hostileFiles() []hostileFile {
	xlsx := func(big sheettest.BigPart, parts map[string]string) func(testing.TB) io.Reader {
		return func(tb testing.TB) io.Reader { return bytes.NewReader(sheettest.HostileWorkbook(tb, big, parts)) }
	}
	const gib = 1 << 30
	cell := `<row r="2"><c r="A2" t="inlineStr"><is><t>Dana</t></is></c><c r="B2" t="inlineStr"><is><t>`
	return []hostileFile{
		{name: "cell of 2 GiB", file: "bomb.xlsx",
			open: xlsx(sheettest.BigPart{Name: sheet1, Head: sheettest.XLSheetHead + headerRow + cell, Unit: "A", N: 2 * gib,
				Tail: `</t></is></c></row>` + sheettest.XLSheetTail}, nil),
			want: `Cell B2 of the sheet "Leads" holds more than 32,767 characters`},
		{name: "shared string of 2 GiB", file: "bomb.xlsx",
			open: xlsx(sheettest.BigPart{Name: sst, Head: sstHead + `<si><t>Name</t></si><si><t>`, Unit: "A", N: 2 * gib,
				Tail: `</t></si></sst>`}, nil),
			want: "The workbook's shared string number 2 holds more than 32,767 characters"},
		{name: "419 million empty shared strings", file: "bomb.xlsx",
			open: xlsx(sheettest.BigPart{Name: sst, Head: sstHead, Unit: `<si/>`, N: 419_000_000, Tail: `</sst>`}, nil),
			want: "The workbook's part xl/sharedStrings.xml unpacks to more than 100 times its packed size"},
		{name: "sheet that claims 4 KiB and holds 2 GiB", file: "lying.xlsx",
			open: xlsx(sheettest.BigPart{Name: sheet1, Head: sheettest.XLSheetHead + headerRow, Unit: `<row><c t="inlineStr"><is><t>Dana</t></is></c></row>`,
				N: 2 * gib / 52, Tail: sheettest.XLSheetTail, Claim: 4 << 10}, nil),
			want: "xl/worksheets/sheet1.xml does not match what the zip directory says"},
		{name: "sheet that claims 1000 MiB and holds 2 GiB of empty rows", file: "lying.xlsx",
			open: xlsx(sheettest.BigPart{Name: sheet1, Head: sheettest.XLSheetHead + headerRow, Unit: `<row/>`,
				N: 2 * gib / 6, Tail: sheettest.XLSheetTail, Claim: 1000 << 20}, nil),
			want: "unpacks to more than 100 times its packed size"},
		{name: "elements nested 100 million deep", file: "nested.xlsx",
			open: xlsx(sheettest.BigPart{Name: sheet1, Head: sheettest.XLSheetHead + headerRow + cell, Unit: `<r>`, N: 100_000_000}, nil),
			want: `In the workbook's sheet "Leads", elements are nested more than 64 deep`},
		{name: "shared strings nested 100 million deep", file: "nested.xlsx",
			open: xlsx(sheettest.BigPart{Name: sst, Head: sstHead + `<si>`, Unit: `<r>`, N: 100_000_000}, nil),
			want: "In the workbook's shared strings, elements are nested more than 64 deep"},
		{name: "billion laughs", file: "laughs.xlsx",
			open: xlsx(sheettest.BigPart{Name: sheet1, Head: laughs() + `<worksheet><sheetData>` + headerRow, Unit: `<row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>`,
				N: 10, Tail: sheettest.XLSheetTail}, nil),
			want: `In the workbook's sheet "Leads" there is a document type declaration`},
		{name: "billion laughs in the workbook part", file: "laughs.xlsx",
			open: xlsx(sheettest.BigPart{Name: "xl/workbook.xml", Head: laughs() + `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`,
				Unit: `<sheet name="&lol9;" sheetId="1" r:id="rId1"/>`, N: 1, Tail: `</sheets></workbook>`}, nil),
			want: `In the workbook's part xl/workbook.xml there is a document type declaration`},
		{name: "CSV with one quoted field of 1 GiB", file: "quoted.csv",
			open: func(testing.TB) io.Reader {
				return newRepeatReader("Name,Phone,Notes\r\nDana,052-1234567,\"", []byte("A"), gib, "\"\r\n")
			},
			wantRow: `line 2, column "Notes": A quoted value that starts on this line is never closed`,
			want:    "Line 2 runs on for more than 16 MiB without a line end"},
		{name: "TSV in UTF-16 with no line end", file: "unicode.txt",
			open: func(testing.TB) io.Reader {
				return newRepeatReader("\xFF\xFE", utf16LE("Name\tPhone\t"), gib/22, "")
			},
			want: "The header row (line 1) cannot be read: Row is too long"},
		{name: "TSV in UTF-16 with no line end after the header", file: "unicode.txt",
			open: func(testing.TB) io.Reader {
				return newRepeatReader(string(append([]byte("\xFF\xFE"), utf16LE("Name\tPhone\r\n")...)), utf16LE("Dana\t052\t"), gib/18, "")
			},
			wantRow: "line 2: Row is too long",
			want:    "Line 2 runs on for more than 16 MiB without a line end"},
	}
}

// readToEnd reads a file with sheet.Open to its end or to the error
// that stops it, and returns that error (nil at the end) and the row
// errors before it.
func readToEnd(r io.Reader, name string) (rowErrs []string, err error) {
	tb, err := sheet.Open(r, name, sheet.ReadOptions{})
	if err != nil {
		return nil, err
	}
	defer tb.Close()
	for {
		_, err := tb.Next()
		var re *sheet.RowError
		switch {
		case err == io.EOF:
			return rowErrs, nil
		case errors.As(err, &re):
			rowErrs = append(rowErrs, re.Error())
		case err != nil:
			return rowErrs, err
		}
	}
}

// heapInUse returns the bytes of heap objects, live or not yet swept: the
// heap the process holds.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peakHeap runs fn and returns the most heap in use while it ran, sampled
// every millisecond.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var p uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			p = max(p, heapInUse())
			select {
			case <-done:
				peak <- max(p, heapInUse())
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	return <-peak
}

// TestHostileFiles reads each hostile file to the error that stops it,
// and checks that the error says what is wrong, and that reading stayed
// under 150 MB of heap and 10 seconds, with the race detector too.
func TestHostileFiles(t *testing.T) {
	for _, hf := range hostileFiles() {
		t.Run(hf.name, func(t *testing.T) {
			r := hf.open(t)
			var rowErrs []string
			var err error
			start := time.Now()
			peak := peakHeap(func() { rowErrs, err = readToEnd(r, hf.file) })
			elapsed := time.Since(start)
			t.Logf("peak heap %d MiB in %v: %v", peak>>20, elapsed.Round(time.Millisecond), err)
			var fe *sheet.FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, hf.want) {
				t.Errorf("reading ended with %v, want a *FileError saying %q", err, hf.want)
			}
			if hf.wantRow != "" && (len(rowErrs) != 1 || !strings.Contains(rowErrs[0], hf.wantRow)) {
				t.Errorf("row errors = %q, want one saying %q", rowErrs, hf.wantRow)
			}
			if peak > 150<<20 {
				t.Errorf("peak heap %d MiB, want under 150 MiB", peak>>20)
			}
			if elapsed > 10*time.Second {
				t.Errorf("took %v, want under 10 s", elapsed)
			}
		})
	}
}

// The readers compared by BenchmarkXLSXReaders.
var xlsxReaders = map[string]func(r io.Reader) (rows int, err error){
	"handwritten": func(r io.Reader) (int, error) {
		tb, err := sheet.Open(r, "book.xlsx", sheet.ReadOptions{})
		if err != nil {
			return 0, err
		}
		defer tb.Close()
		rows := 0
		for {
			_, err := tb.Next()
			var re *sheet.RowError
			switch {
			case err == io.EOF:
				return rows, nil
			case errors.As(err, &re):
			case err != nil:
				return rows, err
			}
			rows++
		}
	},
	// excelize's streaming reader, with its limits on unzipped size: 1 GiB
	// for the workbook, 16 MiB for a part held in memory (its default).
	"excelize": func(r io.Reader) (int, error) {
		f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: 1 << 30, UnzipXMLSizeLimit: 16 << 20})
		if err != nil {
			return 0, err
		}
		defer f.Close()
		rs, err := f.Rows(f.GetSheetList()[0])
		if err != nil {
			return 0, err
		}
		defer rs.Close()
		rows := -1 // the first is the header
		for rs.Next() {
			if _, err := rs.Columns(); err != nil {
				return rows, err
			}
			rows++
		}
		return rows, rs.Error()
	},
}

// normalWorkbook is a customer list as Excel saves it: shared strings for
// text, numbers for phones and ids, a date style for follow-ups.
func normalWorkbook(tb testing.TB, rows int) []byte {
	tb.Helper()
	agents := []string{"Yossi", "Ronit", "Dana", "Avi"}
	notes := []string{"First call went well", "Called twice, said \"later\"", "Wants the annual plan", ""}
	var ss, sh strings.Builder
	nstr := 0
	str := func(s string) int {
		ss.WriteString("<si><t>")
		xmlEscape(&ss, s)
		ss.WriteString("</t></si>")
		nstr++
		return nstr - 1
	}
	header := []string{"Name", "Last Name", "Phone", "Email", "Agent", "Follow Up", "Created", "Source", "Notes", "CRM ID"}
	sh.WriteString(sheettest.XLSheetHead + `<row r="1">`)
	for i, h := range header {
		fmt.Fprintf(&sh, `<c r="%c1" t="s"><v>%d</v></c>`, 'A'+i, str(h))
	}
	sh.WriteString(`</row>`)
	fixed := map[string]int{}
	for _, s := range append(append(agents, notes...), "Facebook") {
		fixed[s] = str(s)
	}
	for i := 2; i <= rows+1; i++ {
		fmt.Fprintf(&sh, `<row r="%d">`, i)
		fmt.Fprintf(&sh, `<c r="A%d" t="s"><v>%d</v></c>`, i, str("Dana "+strconv.Itoa(i)))
		fmt.Fprintf(&sh, `<c r="B%d" t="s"><v>%d</v></c>`, i, str("Cohen "+strconv.Itoa(i)))
		fmt.Fprintf(&sh, `<c r="C%d"><v>%d</v></c>`, i, 972521000000+i)
		fmt.Fprintf(&sh, `<c r="D%d" t="s"><v>%d</v></c>`, i, str("dana"+strconv.Itoa(i)+"@example.com"))
		fmt.Fprintf(&sh, `<c r="E%d" t="s"><v>%d</v></c>`, i, fixed[agents[i%len(agents)]])
		fmt.Fprintf(&sh, `<c r="F%d" s="2"><v>%.4f</v></c>`, i, 46381.6+float64(i%300))
		fmt.Fprintf(&sh, `<c r="G%d" s="1"><v>%d</v></c>`, i, 46082+i%90)
		fmt.Fprintf(&sh, `<c r="H%d" t="s"><v>%d</v></c>`, i, fixed["Facebook"])
		if n := notes[i%len(notes)]; n != "" {
			fmt.Fprintf(&sh, `<c r="I%d" t="s"><v>%d</v></c>`, i, fixed[n])
		}
		fmt.Fprintf(&sh, `<c r="J%d"><v>%d</v></c></row>`, i, i)
	}
	sh.WriteString(sheettest.XLSheetTail)
	return sheettest.Zip(tb, map[string]string{
		"[Content_Types].xml":        sheettest.XLContentTypes,
		"_rels/.rels":                sheettest.XLRootRels,
		"xl/_rels/workbook.xml.rels": sheettest.XLWorkbookRels,
		"xl/workbook.xml":            strings.Replace(sheettest.XLWorkbook, "%s", "", 1),
		"xl/styles.xml":              sheettest.XLStyles,
		sst:                          fmt.Sprintf(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>`, nstr, nstr, ss.String()),
		sheet1:                       sh.String(),
	})
}

func xmlEscape(b *strings.Builder, s string) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	r.WriteString(b, s)
}

// BenchmarkXLSXReaders compares the hand-written reader with excelize's
// streaming Rows: on a normal workbook of 100,000 rows in this process,
// and on each hostile workbook in a child process that is killed past 2
// GiB of memory or a minute, reporting its time and peak resident memory.
//
//	go test ./sheet -run '^$' -bench XLSXReaders -benchtime 1x
func BenchmarkXLSXReaders(b *testing.B) {
	normal := normalWorkbook(b, 100000)
	for _, name := range []string{"handwritten", "excelize"} {
		b.Run("normal-100k/"+name, func(b *testing.B) {
			read := xlsxReaders[name]
			var peak uint64
			// CPU time is reported beside the wall time, which a busy
			// machine stretches.
			cpu0 := cpuTime()
			for b.Loop() {
				peak = max(peak, peakHeap(func() {
					rows, err := read(bytes.NewReader(normal))
					if err != nil || rows != 100000 {
						b.Fatalf("%d rows, %v", rows, err)
					}
				}))
			}
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
	for _, hf := range hostileFiles() {
		if !strings.HasSuffix(hf.file, ".xlsx") {
			continue
		}
		for _, name := range []string{"handwritten", "excelize"} {
			b.Run(strings.ReplaceAll(hf.name, " ", "-")+"/"+name, func(b *testing.B) {
				for b.Loop() {
					res := runChild(b, name, hf.name)
					b.ReportMetric(res.seconds, "s")
					b.ReportMetric(float64(res.peakRSS)/(1<<20), "peak-RSS-MiB")
					killed := 0.0
					if res.killed {
						killed = 1
					}
					b.ReportMetric(killed, "killed")
					b.Logf("%s", res.out)
				}
			})
		}
	}
}

// cpuTime returns the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const childEnv = "IMPORTER_READER_CHILD"

type childResult struct {
	seconds float64
	peakRSS int64
	killed  bool
	out     string
}

// runChild reads a hostile file with a reader in a child process, killing
// it past 2 GiB of resident memory or a minute.
func runChild(tb testing.TB, reader, file string) childResult {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReaderChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+reader+"|"+file)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The child's own high-water mark is read from /proc while it runs:
	// the rusage of a child also counts what the parent held when it
	// forked.
	killed := false
	var hwm int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
			rss, peak := residentKiB(cmd.Process.Pid)
			hwm = max(hwm, peak)
			if rss > 2<<20 || time.Since(start) > time.Minute {
				killed = true
				cmd.Process.Kill()
				<-done
				break wait
			}
		}
	}
	res := childResult{seconds: time.Since(start).Seconds(), killed: killed}
	for _, line := range strings.Split(out.String(), "\n") {
		if i := strings.Index(line, "child:"); i >= 0 {
			res.out = strings.TrimSpace(line[i:])
			var kib int64
			if j := strings.Index(line, "hwm="); j >= 0 {
				fmt.Sscanf(line[j:], "hwm=%d", &kib)
				hwm = max(hwm, kib)
			}
		}
	}
	res.peakRSS = hwm << 10
	if killed {
		res.out = fmt.Sprintf("killed after %.1f s at %d MiB", res.seconds, res.peakRSS>>20)
	}
	return res
}

// residentKiB returns a process's resident memory and its high-water
// mark, in KiB, or zeros.
func residentKiB(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm
}

// TestReaderChild is the child process of runChild; it does nothing in a
// normal test run.
func TestReaderChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("only run by BenchmarkXLSXReaders")
	}
	reader, file, _ := strings.Cut(spec, "|")
	for _, hf := range hostileFiles() {
		if hf.name == file {
			r := hf.open(t)
			start := time.Now()
			rows, err := xlsxReaders[reader](r)
			msg := fmt.Sprint(err)
			if len(msg) > 160 {
				msg = msg[:160] + "…"
			}
			_, hwm := residentKiB(os.Getpid())
			fmt.Printf("child: %d rows in %.2f s, hwm=%d KiB: %s\n", rows, time.Since(start).Seconds(), hwm, msg)
			return
		}
	}
	t.Fatalf("no hostile file %q", file)
}
