package sheet

import (
	"bytes"
	"io"
)

// Limits that keep a broken file from costing unbounded memory or from
// swallowing the rest of the file into one field.
const (
	// maxQuotedBytes and maxQuotedLines bound a quoted field. A field
	// longer than that is taken for a stray opening quote.
	maxQuotedBytes = 64 << 10
	maxQuotedLines = 100
	// maxRecordBytes and maxFields bound a whole row.
	maxRecordBytes = 1 << 20
	maxFields      = 16384
	// maxLineBytes bounds how far the parser skips to the end of a line
	// after a bad row. Text that runs on that far without a line end is
	// not a table, or not in the encoding it is read in, and reading
	// stops there rather than run through the rest of it.
	maxLineBytes = 16 << 20
)

// The ways a row can be malformed beyond repair.
const (
	errUnclosedQuote = iota + 1
	errTextAfterQuote
	errRowTooLong
	errLineTooLong // a line with no end in sight: reading cannot go on
)

// parseError is a malformed row found by csvParser. Reading can go on,
// except after errLineTooLong: the next call to readRecord moves past the
// bad row first.
type parseError struct {
	kind  int
	line  int
	field int // index of the field at fault, or -1 for the whole row
}

func (e *parseError) Error() string {
	switch e.kind {
	case errUnclosedQuote:
		return "unclosed quote"
	case errTextAfterQuote:
		return "text after closing quote"
	case errLineTooLong:
		return "line too long"
	}
	return "row too long"
}

// csvParser splits delimited text into records. It is written by hand,
// rather than on encoding/csv, to know the physical line of every record,
// to accept old Mac line ends, to keep quotes inside unquoted fields, and
// to resume after a stray quote at the line following it.
//
// It keeps its own buffer so that it can go back to the opening quote of
// a field that turns out never to close.
type csvParser struct {
	rd   io.Reader
	buf  []byte
	pos  int // next byte to parse
	end  int // end of the data in buf
	mark int // first byte to keep when refilling, or -1
	eof  bool
	rerr error // read failure other than io.EOF

	delim byte
	stop  [256]bool // bytes that end an unquoted field
	line  int       // the physical line of buf[pos], 1-based
	skip  bool      // the rest of the line at pos belongs to a bad row
	fatal error     // sticky: a line too long to skip

	rec  []byte // the fields of the current record, unquoted, back to back
	ends []int  // end of each field in rec
}

func newCSVParser(rd io.Reader, delim byte) *csvParser {
	p := &csvParser{
		rd:    rd,
		buf:   make([]byte, 64<<10),
		mark:  -1,
		delim: delim,
		line:  1,
	}
	p.stop[delim] = true
	p.stop['\r'] = true
	p.stop['\n'] = true
	return p
}

// fill reads more data after buf[end], dropping what is no longer needed.
// It reports false when nothing more can be read.
func (p *csvParser) fill() bool {
	if p.eof {
		return false
	}
	keep := p.pos
	if p.mark >= 0 && p.mark < keep {
		keep = p.mark
	}
	if keep > 0 {
		p.end = copy(p.buf, p.buf[keep:p.end])
		p.pos -= keep
		if p.mark >= 0 {
			p.mark -= keep
		}
	}
	if p.end == len(p.buf) {
		// Only a pending quoted field holds data back, and it is bounded
		// by maxQuotedBytes, so this growth is bounded too.
		nb := make([]byte, 2*len(p.buf))
		copy(nb, p.buf[:p.end])
		p.buf = nb
	}
	for {
		n, err := p.rd.Read(p.buf[p.end:])
		p.end += n
		if err != nil {
			p.eof = true
			if err != io.EOF {
				p.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// more reports whether a byte is available at buf[pos], reading if needed.
func (p *csvParser) more() bool {
	return p.pos < p.end || p.fill()
}

// endOfInput is what readRecord returns when no more data can be read.
func (p *csvParser) endOfInput() error {
	if p.rerr != nil {
		return p.rerr
	}
	return io.EOF
}

// readRecord parses the next record into rec and ends and returns the line
// it starts on. At the end of the input it returns io.EOF; for a malformed
// record a *parseError, after moving past it.
//
// A bad row is reported as soon as a bound is crossed, and the rest of its
// line is skipped only when the next record is asked for, so that a caller
// who stops at the error reads nothing more.
func (p *csvParser) readRecord() (int, error) {
	p.rec = p.rec[:0]
	p.ends = p.ends[:0]
	if p.fatal != nil {
		return p.line, p.fatal
	}
	if p.skip {
		p.skip = false
		if line := p.line; !p.skipLine() {
			p.fatal = &parseError{kind: errLineTooLong, line: line, field: -1}
			return line, p.fatal
		}
	}
	if !p.more() {
		return p.line, p.endOfInput()
	}
	start := p.line
	for {
		if p.more() && p.buf[p.pos] == '"' {
			if err := p.readQuoted(); err != nil {
				return start, err
			}
		} else if !p.readUnquoted() {
			p.skip = true
			return start, &parseError{kind: errRowTooLong, line: start, field: -1}
		}
		p.ends = append(p.ends, len(p.rec))
		if len(p.rec) > maxRecordBytes || len(p.ends) > maxFields {
			p.skip = true
			return start, &parseError{kind: errRowTooLong, line: start, field: -1}
		}
		if !p.more() {
			if p.rerr != nil {
				return start, p.rerr
			}
			return start, nil
		}
		if p.buf[p.pos] == p.delim {
			p.pos++
			continue
		}
		p.endLine()
		return start, nil
	}
}

// readUnquoted appends an unquoted field to rec, stopping before the
// delimiter or line end. Quotes inside it are kept, as Excel does. It
// reports false if the row grows past maxRecordBytes.
func (p *csvParser) readUnquoted() bool {
	for {
		b := p.buf[p.pos:p.end]
		stop := &p.stop
		n := 0
		for n < len(b) && !stop[b[n]] {
			n++
		}
		p.rec = append(p.rec, b[:n]...)
		p.pos += n
		if n < len(b) {
			return true
		}
		if len(p.rec) > maxRecordBytes {
			return false
		}
		if !p.fill() {
			return true
		}
	}
}

// readQuoted appends a quoted field to rec, starting at its opening quote.
// Doubled quotes stand for one quote, and line ends inside it become "\n".
// Spaces between the closing quote and the delimiter are dropped.
func (p *csvParser) readQuoted() error {
	quoteLine := p.line
	field := len(p.ends)
	p.mark = p.pos
	p.pos++
	lines := 0
	for {
		if !p.more() {
			if p.rerr != nil {
				return p.rerr
			}
			return p.quoteFailed(errUnclosedQuote, quoteLine, field)
		}
		b := p.buf[p.pos:p.end]
		n := 0
		for n < len(b) && b[n] != '"' && b[n] != '\n' && b[n] != '\r' {
			n++
		}
		p.rec = append(p.rec, b[:n]...)
		p.pos += n
		if p.pos-p.mark > maxQuotedBytes {
			return p.quoteFailed(errUnclosedQuote, quoteLine, field)
		}
		if n == len(b) {
			continue
		}
		switch b[n] {
		case '"':
			p.pos++
			if !p.more() {
				if p.rerr != nil {
					return p.rerr
				}
				p.mark = -1
				return nil
			}
			if p.buf[p.pos] == '"' {
				p.rec = append(p.rec, '"')
				p.pos++
				continue
			}
			for c := p.buf[p.pos]; c != p.delim && (c == ' ' || c == '\t'); c = p.buf[p.pos] {
				p.pos++
				if !p.more() {
					p.mark = -1
					return p.rerr
				}
			}
			if c := p.buf[p.pos]; c == p.delim || c == '\n' || c == '\r' {
				p.mark = -1
				return nil
			}
			if lines > 0 {
				// A value that ran over line ends before going wrong
				// most likely began with a stray quote.
				return p.quoteFailed(errUnclosedQuote, quoteLine, field)
			}
			return p.quoteFailed(errTextAfterQuote, quoteLine, field)
		default:
			p.endLine()
			p.rec = append(p.rec, '\n')
			lines++
			if lines > maxQuotedLines {
				return p.quoteFailed(errUnclosedQuote, quoteLine, field)
			}
		}
	}
}

// quoteFailed goes back to the opening quote of a bad quoted field, to
// resume at the line after it, so that a stray quote costs one row rather
// than the rest of the file.
func (p *csvParser) quoteFailed(kind, quoteLine, field int) error {
	p.pos = p.mark
	p.mark = -1
	p.line = quoteLine
	p.skip = true
	return &parseError{kind: kind, line: quoteLine, field: field}
}

// skipLine moves past the rest of the physical line, ignoring quotes. It
// reports false, having moved maxLineBytes, if the line goes on further.
func (p *csvParser) skipLine() bool {
	skipped := 0
	for p.more() {
		b := p.buf[p.pos:p.end]
		if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
			p.pos += i
			p.endLine()
			return true
		}
		p.pos = p.end
		if skipped += len(b); skipped > maxLineBytes {
			return false
		}
	}
	return true
}

// endLine consumes the line end at buf[pos]: LF, CRLF or a lone CR.
func (p *csvParser) endLine() {
	c := p.buf[p.pos]
	p.pos++
	p.line++
	if c == '\r' && p.more() && p.buf[p.pos] == '\n' {
		p.pos++
	}
}
