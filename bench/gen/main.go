// Command gen writes the import benchmark's customer files: CSV as Google
// Sheets exports it, with Israeli phones written in the national and the
// international way, agents, dates in DD-MM-YYYY HH:MM, and a share of
// phones repeated within the file and shared with another file.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/callsheet/callsheet/sheet"
)

var (
	first   = []string{"Noa", "Yossi", "Tamar", "Avi", "Michal", "David", "Shira", "Eitan", "Maya", "Omer", "נועה", "יוסי", "תמר", "אבי", "מיכל", "דוד"}
	last    = []string{"Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Friedman", "כהן", "לוי", "מזרחי", "פרץ", "Smith", "Haddad"}
	sources = []string{"website", "facebook", "referral", "exhibition", "google ads"}
	agents  = []string{"Dana Levi", "Yoav Katz", "רונית כהן"}
	// Mobile prefixes; numbers the numbering plan does not allow are drawn again.
	prefixes = []string{"50", "52", "53", "54", "58"}
	valid    = sheet.NewPhoneNormalizer("IL", false)
)

func main() {
	rows := flag.Int("rows", 1000000, "data rows")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same phones")
	dup := flag.Float64("dup", 0.02, "share of rows repeating an earlier phone of the file")
	shareSeed := flag.Uint64("share-seed", 0, "seed of another file to share phones with")
	share := flag.Float64("share", 0, "share of rows taking a phone of the file made with -share-seed")
	out := flag.String("out", "", "output file (default stdout)")
	flag.Parse()

	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = bufio.NewWriterSize(f, 1<<20)
	}
	defer w.Flush()

	rng := rand.New(rand.NewPCG(*seed, 99))
	// Fresh phones come from a generator of their own, so a file made with
	// -share-seed S draws the same phones, in the same order, as the file
	// made with -seed S.
	fresh := rand.New(rand.NewPCG(*seed, 7))
	other := rand.New(rand.NewPCG(*shareSeed, 7))
	fmt.Fprintln(w, "Name,Last name,Phone,Email,Agent,Follow-up,Created,Source,Notes")
	var seen []uint32
	for i := 0; i < *rows; i++ {
		var n uint32
		switch r := rng.Float64(); {
		case r < *dup && len(seen) > 0:
			n = seen[rng.IntN(len(seen))]
		case r < *dup+*share:
			n = phoneNumber(other) // the other file's i-th fresh phone, in its order
		default:
			n = phoneNumber(fresh)
		}
		if len(seen) < 1<<20 {
			seen = append(seen, n)
		}
		fn, ln := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		agent := ""
		if rng.IntN(4) > 0 {
			agent = agents[rng.IntN(len(agents))]
		}
		followUp := ""
		if rng.IntN(3) == 0 {
			followUp = fmt.Sprintf("%02d-%02d-2027 %02d:%02d", 1+rng.IntN(28), 1+rng.IntN(12), 8+rng.IntN(10), rng.IntN(4)*15)
		}
		created := fmt.Sprintf("%02d-%02d-2026 %02d:%02d", 1+rng.IntN(28), 1+rng.IntN(12), rng.IntN(24), rng.IntN(60))
		note := ""
		if rng.IntN(5) == 0 {
			note = `"Asked for a call back, ""after 5"""`
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", fn, ln, formatPhone(rng, n), email(fn, i), agent, followUp, created,
			sources[rng.IntN(len(sources))], note)
	}
}

// phoneNumber draws a phone as an index: prefix and subscriber number.
func phoneNumber(rng *rand.Rand) uint32 {
	for {
		n := uint32(rng.IntN(len(prefixes)))<<24 | uint32(2000000+rng.IntN(8000000))
		if _, err := valid.Normalize(fmt.Sprintf("0%s%07d", prefixes[n>>24], n&0xffffff)); err == nil {
			return n
		}
	}
}

// formatPhone writes a phone the way people do, national or international.
func formatPhone(rng *rand.Rand, n uint32) string {
	p, sub := prefixes[n>>24], fmt.Sprintf("%07d", n&0xffffff)
	switch rng.IntN(4) {
	case 0:
		return "0" + p + "-" + sub[:3] + "-" + sub[3:]
	case 1:
		return "0" + p + sub
	case 2:
		return "+972 " + p + "-" + sub[:3] + "-" + sub[3:]
	default:
		return "972" + p + sub
	}
}

func email(name string, i int) string {
	if !isASCII(name) {
		name = "lead"
	}
	return fmt.Sprintf("%s.%d@example.com", strings.ToLower(name), i)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
