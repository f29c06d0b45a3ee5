package importer

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
)

// Reasons in the reader's language.
//
// The importer writes every message for people as catalogue keys with
// arguments (callsheet.Message), and their English, which the store keeps:
// an invalid row's problem, a failed import's error. The store keeps the
// English text only, so a message read back is turned into its keys again
// by matching it against the importer's keys (reasonKeys): each key is a
// pattern, its verbs the arguments. A text that is several messages, as a
// row with several cells at fault is, is split at the ends of its
// sentences. An argument that is itself one of the keys (a field's label,
// a month, a part of a workbook) becomes that message, so it is
// translated too; one that matches nothing stays as it is, and a text
// that matches nothing is shown as it was written.

// reasonKeys are the keys the importer writes its messages with, as
// stored problems and errors hold them, each with the arguments (1-based)
// that are quoted Go strings (strconv.Quote): their pattern is a quoted
// string, so that a label before them is told from them.
var reasonKeys = map[string][]int{
	// A cell's problem (sheet's mapper.go, phone.go and date.go; text.go).
	"%s contains a control character (%s) at character %d. Remove it and try again.":                                   nil,
	"%s is not valid UTF-8 text (a stray byte 0x%02X at character %d). Save the file as UTF-8 or choose its encoding.": nil,
	"Phone is empty.": nil,
	"Phone %s has more digits than an international number can have (15 with the country code).": {1},
	"Phone %s has no digits.": {1},
	"Phone %s is not a valid international number (country code, then the number).":                                {1},
	"Phone %s is not a valid number for %s; it looks international: write it with + or tick International format.": {1},
	"Phone %s is not a valid number for %s (the numbering plan has no such number).":                               {1},
	"Email %s is not a valid address.":                         {1},
	"%s is longer than %d characters.":                         nil,
	"%s %s is not a number.":                                   {2},
	"%s %s is not a date in the format DD-MM-YYYY HH:MM.":      {2},
	"%s %s is not a date in the format DD-MM-YYYY HH:MM (%s).": {2},
	"it is empty":                                  nil,
	"the year needs four digits":                   nil,
	"month %d does not exist; the day comes first": nil,
	"day %d does not exist in %s %s":               nil,
	"year %s is out of range":                      nil,
	"the time must be HH:MM":                       nil,
	"Agent %s is not a user of this account (names must match exactly).": {1},
	"Closest: %s.":    nil,
	"tab":             nil,
	"line feed":       nil,
	"carriage return": nil,
	"Custom field %s": nil,
	// A row the reader could not split (sheet's csv.go and xlsx.go).
	"Row has %d fields but the header has %d.": nil,
	"The text is not valid UTF-8. Choose the file's encoding (for example windows-1255 for a Hebrew Excel file) and upload it again.":                                     nil,
	"Line %d runs on for more than %d MiB without a line end, so the rest of the file cannot be read. Check that it is a CSV or TSV file and that its encoding is right.": nil,
	`A quoted value that starts on this line is never closed. Check for a stray quote (") in the row.`:                                                                    nil,
	`A quoted value on this line has text after its closing quote ("). Put the whole value in quotes and double any quote inside it.`:                                     nil,
	"Row is too long: it has over %d MiB of text or over %d fields.":                                                                                                      nil,
	"Row has cells beyond the last Excel column.":                                                                                                                         nil,
	"Cell %s holds more than %s characters, the most a cell can hold.":                                                                                                    nil,
	"Row is too long: it has over %d MiB of text.":                                                                                                                        nil,
	// How an import that failed or was cancelled ended (service.go, the store).
	"Cancelled; nothing was written.": nil,
	"Nothing was written.":            nil,
	"Cancelled before it started.":    nil,
	"Left unfinished in the wizard.":  nil,
	"The server that was adding these customers stopped before it finished. Send them again.": nil,
	"Another server took this import over; this run wrote nothing.":                           nil,
	"Internal error.": nil,
	"Column %s is not in the file; its columns are: %s.":                       {1},
	"There is no field %s to match column %s to.":                              {1, 2},
	"Match a column to Phone: customers are told apart by their phone number.": nil,
	"The file": nil,
	"%s looks like %s, not a customer file. Upload a CSV, TSV or XLSX file.":                                                      nil,
	"%s looks like %s, which cannot be read. %s":                                                                                  nil,
	"%s looks like %s, not an Excel workbook. Upload a CSV, TSV or XLSX file. If the file is inside the archive, unzip it first.": nil,
	// A file that cannot be read (sheet's read.go, csv.go, encoding.go, xlsx*.go).
	"Unknown file format %s: choose csv, tsv or xlsx.":                                                                                                                 {1},
	"The file is named %s but is not an Excel workbook. Save it again as .xlsx or as CSV.":                                                                             nil,
	"The file is not an Excel workbook (.xlsx). Choose another format or save the file again as .xlsx.":                                                                nil,
	"The file is an Excel workbook or another zip archive, not a text file. Choose the XLSX format to read it.":                                                        nil,
	"The delimiter %s cannot be used: choose a single character such as a comma, a semicolon or a tab.":                                                                {1},
	"The file is empty: it has no header row.":                                                                                                                         nil,
	"The header row (line %d) cannot be read: %s":                                                                                                                      nil,
	"Unknown encoding %s: choose one of %s.":                                                                                                                           {1},
	"The workbook is larger than %d GiB, which is more than can be imported at once. Split it into smaller files.":                                                     nil,
	"The Excel workbook has no sheets.":                                                                                                                                nil,
	"The workbook has no sheet named %s. Its sheets are: %s.":                                                                                                          {1},
	"The sheet %s is missing from the workbook. Open it in Excel and save it again.":                                                                                   {1},
	"The workbook's zip holds more than %s files, which no workbook needs, so it cannot be read.":                                                                      nil,
	"The workbook's zip directory is larger than %d MiB, which no workbook needs, so it cannot be read.":                                                               nil,
	"The file is not a valid Excel workbook (.xlsx): it may be damaged or incomplete.":                                                                                 nil,
	"The sheet %s is empty: it has no header row.":                                                                                                                     {1},
	"The header row of sheet %s has cells beyond the last Excel column.":                                                                                               {1},
	"The header row of sheet %s cannot be read: %s":                                                                                                                    {1},
	"Cell %s of the sheet %s holds more than %s characters, the most a cell can hold, so the file cannot be read. Open it in Excel and save it again.":                 {2},
	"The sheet %s is damaged and cannot be read further (%s). Open the workbook in Excel and save it again.":                                                           {1},
	"The sheet %s numbers row %d after row %d: its rows are out of order, so it may be damaged. Open the workbook in Excel and save it again.":                         {1},
	"The file is a zip archive but not an Excel workbook (.xlsx).":                                                                                                     nil,
	"The Excel workbook is damaged and cannot be read (%s). Open it in Excel and save it again.":                                                                       nil,
	"A part of the workbook is missing.":                                                                                                                               nil,
	"The workbook's part %s is packed in a way Excel does not use (method %d), so the file cannot be read. Open it in Excel and save it again.":                        nil,
	"The workbook is damaged: its part %s does not match what the zip directory says about it (%s). Open it in Excel and save it again.":                               nil,
	"The workbook unpacks to more than %d GiB, which is more than can be imported at once. Split it into smaller files or save the sheet as CSV.":                      nil,
	"The workbook's part %s unpacks to more than %d times its packed size, which real workbooks never do, so the file is refused. Open it in Excel and save it again.": nil,
	"The workbook is damaged: its part %s cannot be unpacked (%s). Open it in Excel and save it again.":                                                                nil,
	"In the workbook's %s, one piece of text or markup is longer than %d KiB, which Excel never writes. The file cannot be read.":                                      nil,
	"In the workbook's %s, elements are nested more than %d deep, which Excel never writes. The file cannot be read.":                                                  nil,
	"In the workbook's %s there is a document type declaration (<!DOCTYPE>), which Excel never writes, so the file is refused.":                                        nil,
	"The workbook lists more than %s related parts in %s, which is more than can be read.":                                                                             nil,
	"The workbook has more than %s sheets, which is more than can be read.":                                                                                            nil,
	"The workbook's shared string number %s holds more than %s characters, the most a cell can hold, so the file cannot be read. Open it in Excel and save it again.":  nil,
	"The workbook's shared strings exceed %s entries, which is more than can be imported at once. Split it into smaller files or save the sheet as CSV.":               nil,
	"The workbook's shared strings exceed %d MiB of text, which is more than can be imported at once. Split it into smaller files or save the sheet as CSV.":           nil,
	"The workbook has more than %s cell styles, more than Excel allows, so the file cannot be read.":                                                                   nil,
	"sheet %s":                         {1},
	"part %s":                          nil,
	"shared strings":                   nil,
	"it unpacks to more than %d bytes": nil,
	"it unpacks to %d bytes, not %d":   nil,
	"its checksum differs":             nil,
	"it is cut short":                  nil,
}

// fileKinds are the kinds of files that are not customer files, and how
// to turn a spreadsheet that cannot be read into one that can (sheet's sniff.go):
// arguments of the messages above.
var fileKinds = []string{
	"a PNG image", "a JPEG image", "a GIF image", "a TIFF image", "a Photoshop image", "an icon image", "a PDF document",
	"an RTF document", "an empty ZIP archive", "a ZIP archive", "a gzip archive", "a 7-Zip archive", "a RAR archive",
	"an xz archive", "a Zstandard archive", "a tar archive", "a program", "an SQLite database", "an audio file (Ogg)",
	"an audio file (FLAC)", "a video (Matroska or WebM)", "an old Word document (.doc)", "an old PowerPoint presentation (.ppt)",
	"an Outlook message", "an old Excel workbook (.xls)", "a WebP image", "an audio file (WAV)", "a video (AVI)", "a HEIC image",
	"an AVIF image", "a video or audio file (MP4 or MOV)", "a BMP image", "an audio file (MP3)", "a bzip2 archive",
	"a Windows program", "a binary file", "a Word document (.docx)", "a PowerPoint presentation (.pptx)",
	"an OpenDocument spreadsheet (.ods)", "an OpenDocument text document (.odt)", "an Apple Numbers spreadsheet",
	"Open it in Excel and save it as .xlsx or CSV, then upload that.",
	"Save it as .xlsx or CSV (in LibreOffice: File, Save As), then upload that.",
	"Export it from Numbers as .xlsx or CSV, then upload that.",
}

// reasonPattern is a key as a pattern over its English.
type reasonPattern struct {
	key   string
	re    *regexp.Regexp
	verbs []byte // the verb of each argument: 's', 'd' or 'X'
}

var (
	patternsOnce sync.Once
	// byWord holds the patterns by the first word of their text; leading
	// holds those that start with an argument.
	byWord  map[string][]*reasonPattern
	leading []*reasonPattern
	// words are the keys without arguments, by their text.
	words map[string]bool
)

func loadPatterns() {
	byWord, words = map[string][]*reasonPattern{}, map[string]bool{}
	keys := make(map[string][]int, len(reasonKeys)+len(fileKinds)+len(callsheet.SystemFieldLabels)+12)
	for k, q := range reasonKeys {
		keys[k] = q
	}
	for _, k := range fileKinds {
		keys[k] = nil
	}
	for _, l := range callsheet.SystemFieldLabels {
		keys[l] = nil
	}
	for m := time.January; m <= time.December; m++ {
		keys[m.String()] = nil
	}
	for k, quoted := range keys {
		p := compilePattern(k, quoted)
		if p == nil {
			words[k] = true
			continue
		}
		if strings.HasPrefix(k, "%") {
			leading = append(leading, p)
			continue
		}
		w := firstWord(k)
		byWord[w] = append(byWord[w], p)
	}
}

// verbRE finds a format's verbs, as fmt writes them.
var verbRE = regexp.MustCompile(`%[-+# 0]*\d*([sdvXq%])`)

// compilePattern makes a key's pattern; nil for a key without arguments.
func compilePattern(key string, quoted []int) *reasonPattern {
	locs := verbRE.FindAllStringSubmatchIndex(key, -1)
	var b strings.Builder
	b.WriteString("^")
	p := &reasonPattern{key: key}
	last := 0
	for _, l := range locs {
		b.WriteString(regexp.QuoteMeta(key[last:l[0]]))
		last = l[1]
		v := key[l[2]]
		switch v {
		case '%':
			b.WriteString("%")
			continue
		case 'd':
			b.WriteString(`(-?\d+)`)
		case 'X':
			b.WriteString(`([0-9A-F]+)`)
		default:
			v = 's'
			n := len(p.verbs) + 1
			isQuoted := false
			for _, q := range quoted {
				isQuoted = isQuoted || q == n
			}
			if isQuoted {
				b.WriteString(`("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`)
			} else {
				// Any text, but no end of a sentence: a name does not
				// run on into the next message.
				b.WriteString(`((?:[^.]|\.[^ ])+?)`)
			}
		}
		p.verbs = append(p.verbs, v)
	}
	if len(p.verbs) == 0 {
		return nil
	}
	b.WriteString(regexp.QuoteMeta(key[last:]))
	b.WriteString("$")
	p.re = regexp.MustCompile(b.String())
	return p
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " :;,.("); i >= 0 {
		return s[:i]
	}
	return s
}

// parseOne reads s as one message: a key without arguments (the
// importer's or any in the catalogue), or one of the importer's patterns.
func parseOne(s string) (callsheet.Message, bool) {
	if words[s] || i18n.Has(i18n.English, s) && !strings.Contains(s, "%") {
		return callsheet.Msg(s), true
	}
	cands := byWord[firstWord(s)]
	for _, list := range [][]*reasonPattern{cands, leading} {
		var best *reasonPattern
		var bestArgs []string
		for _, p := range list {
			m := p.re.FindStringSubmatch(s)
			if m == nil {
				continue
			}
			// The most specific pattern wins: the one with most text of
			// its own.
			if best == nil || len(p.key)-2*len(p.verbs) > len(best.key)-2*len(best.verbs) {
				best, bestArgs = p, m[1:]
			}
		}
		if best != nil {
			return callsheet.Message{Key: best.key, Args: best.args(bestArgs)}, true
		}
	}
	return callsheet.Message{}, false
}

// args turns the text of the arguments back into values: numbers for the
// numeric verbs, messages for the texts that are keys.
func (p *reasonPattern) args(texts []string) []any {
	out := make([]any, len(texts))
	for i, t := range texts {
		switch p.verbs[i] {
		case 'd':
			n, _ := strconv.Atoi(t)
			out[i] = n
		case 'X':
			n, _ := strconv.ParseUint(t, 16, 8)
			out[i] = byte(n)
		default:
			out[i] = t
			if strings.HasPrefix(t, `"`) || strings.HasPrefix(t, `'`) {
				continue // a value from the file
			}
			if m, ok := parseOne(t); ok {
				out[i] = m
			}
		}
	}
	return out
}

// maxParse bounds the text parsed back: longer texts are shown as they are.
const maxParse = 4 << 10

// ParseMessages reads English that the importer wrote (a stored problem,
// a failed import's error) back into catalogue messages, one or more
// sentences joined by spaces. A text it cannot read entirely comes back as
// one message whose key is the text itself, which the catalogues show as
// it is (or translate, when it is a key).
func ParseMessages(s string) []callsheet.Message {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	patternsOnce.Do(loadPatterns)
	if len(s) <= maxParse {
		if ms, ok := parseSentences(s); ok {
			return ms
		}
	}
	return []callsheet.Message{callsheet.Msg(s)}
}

// parseSentences splits s where a sentence ends (". ") into messages that
// each match, trying every such end, the nearest first: from the back,
// next[i] is where the message starting at i ends, when the rest from
// there can be read too.
func parseSentences(s string) ([]callsheet.Message, bool) {
	starts := []int{0}
	for i := 1; i < len(s)-1; i++ {
		if s[i] == ' ' && s[i-1] == '.' {
			starts = append(starts, i+1)
		}
	}
	n := len(starts)
	// ok[j]: the text from starts[j] reads to the end; msg and next give
	// the first message and the start of the rest.
	ok := make([]bool, n+1)
	msg := make([]callsheet.Message, n)
	next := make([]int, n)
	ok[n] = true
	for j := n - 1; j >= 0; j-- {
		for e := j + 1; e <= n; e++ { // the shortest message first
			if !ok[e] {
				continue
			}
			end := len(s)
			if e < n {
				end = starts[e] - 1
			}
			if m, good := parseOne(s[starts[j]:end]); good {
				ok[j], msg[j], next[j] = true, m, e
				break
			}
		}
	}
	if !ok[0] {
		return nil, false
	}
	var out []callsheet.Message
	for j := 0; j < n; j = next[j] {
		out = append(out, msg[j])
	}
	return out, true
}

// Reason returns a problem row's reason as catalogue messages: from the
// row's outcome (duplicates, skips, blocks, the customers removed
// elsewhere), which the store words the same way when it reads the row,
// or, for a row the importer found invalid, from the messages the store
// kept beside its English (rows stored before it kept them: from the
// English, read back).
func Reason(r callsheet.RowResult) []callsheet.Message {
	if r.Outcome == callsheet.OutcomeInvalid && len(r.Reason) > 0 {
		return r.Reason
	}
	text := r.Message
	removal := callsheet.RemovalMsg(r.RemovedElsewhere)
	if removal.Key != "" {
		text = strings.TrimSpace(strings.TrimSuffix(text, removal.String()))
	}
	var out []callsheet.Message
	if own := r.Outcome.Reason(r.DuplicateOf, r.Blocked); own.Key != "" && own.String() == text {
		out = append(out, own)
	} else {
		out = ParseMessages(text)
	}
	if removal.Key != "" {
		out = append(out, removal)
	}
	return out
}

// Translate writes messages in lang, joined by spaces, for plain text
// such as a CSV cell.
func Translate(lang string, ms []callsheet.Message) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		parts = append(parts, i18n.T(lang, m.Key, m.Args...))
	}
	return strings.Join(parts, " ")
}

// joinMsgs is messages in English, joined by spaces as a stored problem's
// Message joins them (as sheet's RowMapper writes it).
func joinMsgs(ms []callsheet.Message) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return strings.Join(parts, " ")
}
