package sheet

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// The byte order marks that identify an encoding at the start of a file.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// canonicalEncodings are the names FileInfo reports, in the order a user
// would look for them.
var canonicalEncodings = []string{
	"utf-8",
	"utf-8-bom",
	"utf-16le",
	"utf-16be",
	"windows-1255",
	"iso-8859-8",
	"windows-1252",
}

// encodingAliases maps the names people and other programs use to the
// canonical ones. "hebrew" means windows-1255 because that is what Hebrew
// Excel writes; "latin1" means windows-1252 as browsers do, since files
// labelled Latin-1 are nearly always Windows-1252 in practice.
var encodingAliases = map[string]string{
	"utf8":         "utf-8",
	"unicode":      "utf-16le",
	"utf-8-sig":    "utf-8-bom",
	"utf8-bom":     "utf-8-bom",
	"utf8bom":      "utf-8-bom",
	"utf-16":       "utf-16le",
	"utf16":        "utf-16le",
	"utf16le":      "utf-16le",
	"utf16be":      "utf-16be",
	"ucs-2":        "utf-16le",
	"cp1255":       "windows-1255",
	"windows1255":  "windows-1255",
	"hebrew":       "windows-1255",
	"iso8859-8":    "iso-8859-8",
	"iso-8859-8-i": "iso-8859-8",
	"iso-8859-8-e": "iso-8859-8",
	"cp1252":       "windows-1252",
	"windows1252":  "windows-1252",
	"latin1":       "windows-1252",
	"latin-1":      "windows-1252",
	"iso-8859-1":   "windows-1252",
	"iso8859-1":    "windows-1252",
	"ascii":        "utf-8",
	"us-ascii":     "utf-8",
}

// Encodings lists the encodings ReadOptions.Encoding accepts by their
// canonical names, for a user to choose from. Open also accepts "auto" and
// common aliases such as "utf8", "cp1255", "hebrew" and "latin1".
func Encodings() []string {
	return append([]string(nil), canonicalEncodings...)
}

// canonicalEncoding resolves a requested encoding name; "" means detect.
func canonicalEncoding(name string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(name))
	s = strings.ReplaceAll(s, "_", "-")
	if s == "" || s == "auto" {
		return "", nil
	}
	for _, c := range canonicalEncodings {
		if s == c {
			return c, nil
		}
	}
	if c, ok := encodingAliases[s]; ok {
		return c, nil
	}
	return "", fileErrorf("Unknown encoding %s: choose one of %s.", strconv.Quote(name), strings.Join(canonicalEncodings, ", "))
}

// textEncoding returns the decoder for a canonical encoding, or nil for
// UTF-8, which is read as it is and checked row by row instead.
func textEncoding(name string) encoding.Encoding {
	switch name {
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case "windows-1255":
		return charmap.Windows1255
	case "iso-8859-8":
		return charmap.ISO8859_8
	case "windows-1252":
		return charmap.Windows1252
	}
	return nil
}

// bomOf returns the byte order mark that the encoding may start with.
func bomOf(name string) []byte {
	switch name {
	case "utf-8", "utf-8-bom":
		return bomUTF8
	case "utf-16le":
		return bomUTF16LE
	case "utf-16be":
		return bomUTF16BE
	}
	return nil
}

// detectEncoding guesses the encoding of a file from its first bytes. atEOF
// says that head is the whole file, so that a character cut at its end is
// not mistaken for a broken one.
func detectEncoding(head []byte, atEOF bool) string {
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		return "utf-8-bom"
	case bytes.HasPrefix(head, bomUTF16LE):
		return "utf-16le"
	case bytes.HasPrefix(head, bomUTF16BE):
		return "utf-16be"
	}
	if enc := guessUTF16(head); enc != "" {
		return enc
	}
	if validUTF8Prefix(head, atEOF) {
		return "utf-8"
	}
	if looksHebrew(head) {
		return "windows-1255"
	}
	return "windows-1252"
}

// validUTF8Prefix reports whether head is valid UTF-8, allowing an
// incomplete character at its end when more of the file follows.
func validUTF8Prefix(head []byte, atEOF bool) bool {
	if !atEOF {
		// Drop a trailing partial character: find the start of the last
		// character within the last few bytes and cut there if it is
		// incomplete.
		for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
			if utf8.RuneStart(head[i]) {
				if !utf8.FullRune(head[i:]) {
					head = head[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(head)
}

// guessUTF16 recognises UTF-16 text without a byte order mark by the zero
// bytes that ASCII characters (digits, delimiters, line ends) leave in
// every other position. It returns "" for anything else.
func guessUTF16(head []byte) string {
	n := len(head) &^ 1
	if n > 4096 {
		n = 4096
	}
	if n < 8 {
		return ""
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	switch {
	case odd*4 >= pairs && even*50 <= pairs:
		return "utf-16le"
	case even*4 >= pairs && odd*50 <= pairs:
		return "utf-16be"
	}
	return ""
}

// looksHebrew reports whether the bytes that are not ASCII are mostly
// Hebrew letters in windows-1255 (0xE0–0xFA). Accented Latin letters in
// windows-1252 share that range, but they sit inside words next to ASCII
// letters, while Hebrew words stand apart from them; so only high bytes
// that do not touch an ASCII letter count as Hebrew.
func looksHebrew(b []byte) bool {
	var high, hebrew int
	for i, c := range b {
		if c < 0x80 {
			continue
		}
		high++
		if c < 0xE0 || c > 0xFA {
			continue
		}
		if i > 0 && isASCIILetter(b[i-1]) || i+1 < len(b) && isASCIILetter(b[i+1]) {
			continue
		}
		hebrew++
	}
	return high > 0 && hebrew*2 > high
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
