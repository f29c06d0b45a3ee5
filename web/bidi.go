package web

import (
	"encoding/json"
	"io"
	"strings"
)

// User text may hold Unicode's explicit direction controls: embeddings
// and overrides (LRE, RLE, LRO, RLO, closed by PDF) and isolates (LRI, RLI,
// FSI, closed by PDI). Left open, they reach past the text into whatever
// follows it: a name ending in RIGHT-TO-LEFT OVERRIDE turns the rest of
// the line around, in a page, a title bar or a CSV file read as text.
// Callsheet stores text as it was sent and isolates it where it shows it:
//
//   - In a page, user text that shares a line with other text stands in
//     its own <bdi> (or an element with dir, or a block or inline-block of
//     its own), whose end closes whatever the text left open.
//   - The <title> cannot hold markup, and the browser's and the system's
//     title bars may not honour isolates, so the title drops the controls
//     (titleText): there they can only do harm.
//   - In a CSV export, each cell is balanced (bidiCSV): the closers the
//     cell's text left out are added at its end, so nothing reaches the
//     next cell. A balanced cell is left exactly as it was.

// Explicit direction controls.
const (
	lre = '\u202a'
	rle = '\u202b'
	pdf = '\u202c'
	lro = '\u202d'
	rlo = '\u202e'
	lri = '\u2066'
	rli = '\u2067'
	fsi = '\u2068'
	pdi = '\u2069'
)

// isBidiControl reports the explicit direction controls. The marks (LRM,
// RLM, ALM) open nothing and are not among them.
func isBidiControl(r rune) bool { return r >= lre && r <= rlo || r >= lri && r <= pdi }

// titleText is s without explicit direction controls, for the <title>.
func titleText(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// bidiStack follows the controls a text opens and closes, as the Unicode
// Bidirectional Algorithm pairs them (rules X1 to X7): a PDF closes the
// innermost embedding or override unless an isolate is innermost, and a
// PDI closes the innermost isolate and whatever was opened inside it. A
// closer that matches nothing is ignored, as the algorithm ignores it.
type bidiStack []byte // 'e' for an embedding or override, 'i' for an isolate

func (s *bidiStack) add(r rune) {
	st := *s
	switch r {
	case lre, rle, lro, rlo:
		st = append(st, 'e')
	case lri, rli, fsi:
		st = append(st, 'i')
	case pdf:
		if n := len(st); n > 0 && st[n-1] == 'e' {
			st = st[:n-1]
		}
	case pdi:
		for i := len(st) - 1; i >= 0; i-- {
			if st[i] == 'i' {
				st = st[:i]
				break
			}
		}
	}
	*s = st
}

// close appends the closers of what is still open, innermost first, and
// empties the stack.
func (s *bidiStack) close(b []byte) []byte {
	st := *s
	for i := len(st) - 1; i >= 0; i-- {
		if st[i] == 'e' {
			b = append(b, string(pdf)...)
		} else {
			b = append(b, string(pdi)...)
		}
	}
	*s = st[:0]
	return b
}

// balanceBidi closes at the end of s whatever s leaves open.
func balanceBidi(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	var st bidiStack
	for _, r := range s {
		st.add(r)
	}
	return string(st.close([]byte(s)))
}

// bidiCSV balances every cell of the CSV written through it, as it
// streams: an export may be millions of rows. It follows the syntax
// encoding/csv writes (cells quoted when they must be, "" for a quote
// within one) byte by byte, so the closers go before a cell's closing
// quote, or before the comma or line end of an unquoted cell. The
// controls are three bytes of UTF-8 and none of CSV's syntax is
// non-ASCII, so a control is recognised by its bytes, across writes.
type bidiCSV struct {
	w      io.Writer
	quoted bool // within a quoted cell
	quote  bool // a quote within a quoted cell, which may be the first of ""
	lead   [2]byte
	nlead  int // bytes of a possible control seen so far
	open   bidiStack
	out    []byte
}

func newBidiCSV(w io.Writer) *bidiCSV { return &bidiCSV{w: w} }

// Write writes p with every cell that ends in it balanced.
func (c *bidiCSV) Write(p []byte) (int, error) {
	c.out = c.out[:0]
	for _, b := range p {
		c.byte(b)
	}
	if _, err := c.w.Write(c.out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes what the last cell left open, for a file that does not
// end with a line end, and a quote held back at the very end.
func (c *bidiCSV) Close() error {
	c.out = c.out[:0]
	if c.quote {
		c.out = c.open.close(c.out)
		c.out = append(c.out, '"')
		c.quote, c.quoted = false, false
	}
	c.out = c.open.close(c.out)
	_, err := c.w.Write(c.out)
	return err
}

func (c *bidiCSV) byte(b byte) {
	if c.quote {
		c.quote = false
		if b == '"' { // "" within a quoted cell
			c.out = append(c.out, '"', '"')
			return
		}
		c.out = c.open.close(c.out) // the cell's closing quote
		c.out = append(c.out, '"')
		c.quoted = false
	}
	switch {
	case c.quoted && b == '"':
		c.quote = true
		c.nlead = 0
		return
	case !c.quoted && b == '"':
		c.quoted = true
	case !c.quoted && (b == ',' || b == '\n' || b == '\r'):
		c.out = c.open.close(c.out)
	default:
		c.control(b)
	}
	c.out = append(c.out, b)
}

// control follows the bytes of a cell's text for the controls:
// E2 80 AA..AE and E2 81 A6..A9.
func (c *bidiCSV) control(b byte) {
	switch {
	case b == 0xe2:
		c.lead[0], c.nlead = b, 1
		return
	case c.nlead == 1 && (b == 0x80 || b == 0x81):
		c.lead[1], c.nlead = b, 2
		return
	case c.nlead == 2:
		r := rune(0x2000) | rune(c.lead[1]&0x3f)<<6 | rune(b&0x3f)
		if isBidiControl(r) {
			c.open.add(r)
		}
	}
	c.nlead = 0
}

// isolateJSON isolates each string of a JSON text that holds direction
// controls between FSI and PDI, balanced within, so that a value's
// controls stay within its quotes: the audit log shows what changed as
// JSON, values of many fields on one line. Text that is not JSON is
// balanced as a whole.
func isolateJSON(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	if !json.Valid([]byte(s)) {
		return balanceBidi(s)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+1])
		s = s[i+1:]
		end := 0
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end, len(s))
		if str := s[:end]; strings.ContainsFunc(str, isBidiControl) {
			b.WriteString(string(fsi) + balanceBidi(str) + string(pdi))
		} else {
			b.WriteString(str)
		}
		b.WriteString(s[end:min(end+1, len(s))])
		s = s[min(end+1, len(s)):]
	}
}
