package sheet_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/sheet"
	"github.com/nyaruka/phonenumbers"
)

func TestNormalizePhone(t *testing.T) {
	cases := []struct {
		name          string
		region        string
		international bool
		in, want      string // want "" means an error
	}{
		{"national with dashes", "IL", false, "052-234-5678", "+972522345678"},
		{"national plain", "IL", false, "0522345678", "+972522345678"},
		{"national, Excel dropped the zero", "IL", false, "522345678", "+972522345678"},
		{"national landline", "IL", false, "03-612-3456", "+97236123456"},
		{"national with spaces and parens", "IL", false, "(052) 234 5678", "+972522345678"},
		{"plus is international even when unticked", "IL", false, "+1 212 555 0100", "+12125550100"},
		{"00 prefix is international", "IL", false, "00972-52-234-5678", "+972522345678"},
		{"own country code without plus", "IL", false, "972522345678", "+972522345678"},
		{"direction marks around the number", "IL", false, "\u200e052-234-5678\u200f", "+972522345678"},
		{"no-break spaces", "IL", false, "052\u00a0234\u00a05678", "+972522345678"},
		{"international ticked, no plus", "IL", true, "972522345678", "+972522345678"},
		{"international ticked, US", "IL", true, "1 212 555 0100", "+12125550100"},
		{"international ticked, UK with plus", "IL", true, "+44 20 7946 0958", "+442079460958"},
		{"US account national", "US", false, "(212) 555-0100", "+12125550100"},
		{"metadata rejects 050-1", "IL", false, "050-1234567", ""},
		{"metadata rejects 052-1", "IL", false, "052-1234567", ""},
		{"metadata rejects 054-0", "IL", false, "054-0234567", ""},
		{"metadata rejects 057", "IL", false, "057-2345678", ""},
		{"too short", "IL", false, "052-123", ""},
		{"too long", "IL", false, "052-123-45678", ""},
		{"letters", "IL", false, "call me", ""},
		{"empty", "IL", false, "  ", ""},
		{"international ticked but national number", "IL", true, "052-234-5678", ""},
		{"unknown country code", "IL", true, "+999 123 4567", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sheet.NewPhoneNormalizer(tc.region, tc.international).Normalize(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("Normalize(%q) = %q, want an error", tc.in, got)
				}
				if !strings.HasPrefix(err.Error(), "Phone") {
					t.Fatalf("message %q does not start with Phone", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestFastPathAgreesWithLibrary checks the hand-written fast path against
// libphonenumber over every prefix the fast path keys its answers on (the
// first five digits of an Israeli national number), for every length, each
// with two tails (random, then all nines): the fast path answers later tails from what the
// library said for the first, so a tail that changes the library's answer
// shows up here as a disagreement.
func TestFastPathAgreesWithLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	const prefixDigits = 5 // as fastRegions says for Israel
	fast := sheet.NewPhoneNormalizer("IL", true)
	checked, valid := 0, 0
	for pre := 10000; pre < 100000; pre++ {
		for length := prefixDigits; length <= 10; length++ {
			n := length - prefixDigits
			tails := []string{"", strings.Repeat("9", n)}
			for i := 0; i < n; i++ {
				tails[0] += string(rune('0' + rng.IntN(10)))
			}
			for _, tail := range tails {
				nsn := fmt.Sprint(pre) + tail
				got, err := fast.Normalize("+972" + nsn)
				want := libraryValid(972, nsn)
				if (err == nil) != want || (want && got != "+972"+nsn) {
					t.Fatalf("+972%s: fast path %q, %v; library valid=%v", nsn, got, err, want)
				}
				checked++
				if want {
					valid++
				}
			}
		}
	}
	if valid == 0 || valid == checked {
		t.Fatalf("%d of %d valid: the sweep does not exercise both answers", valid, checked)
	}
	t.Logf("%d numbers checked, %d valid", checked, valid)
}

// TestFastPathFormsAgreeWithLibrary checks every way files write numbers
// (with the trunk zero, without it, with the country code and without the
// plus, in both modes) against parsing with the library, on random numbers.
func TestFastPathFormsAgreeWithLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	national, international := sheet.NewPhoneNormalizer("IL", false), sheet.NewPhoneNormalizer("IL", true)
	for i := 0; i < n; i++ {
		length := 7 + rng.IntN(4)
		var b strings.Builder
		b.WriteByte(byte('1' + rng.IntN(9)))
		for b.Len() < length {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		nsn := b.String()
		for _, form := range []struct {
			in   string
			intl bool
		}{{"0" + nsn, false}, {nsn, false}, {"972" + nsn, false}, {"+972" + nsn, false}, {"00972" + nsn, false}, {"972" + nsn, true}} {
			p := national
			if form.intl {
				p = international
			}
			got, gotErr := p.Normalize(form.in)
			want, wantErr := libraryNormalize(form.in, "IL", form.intl)
			if (gotErr == nil) != (wantErr == nil) || got != want {
				t.Fatalf("%q (international %v): fast path %q, %v; library %q, %v", form.in, form.intl, got, gotErr, want, wantErr)
			}
		}
	}
}

func libraryValid(cc int32, nsn string) bool {
	var n uint64
	fmt.Sscan(nsn, &n)
	return phonenumbers.IsValidNumber(&phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &n})
}

// libraryNormalize is the reference: libphonenumber alone, reading a
// number national unless it has + (or International is ticked), and
// accepting the account's own country code written without +.
func libraryNormalize(s, region string, international bool) (string, error) {
	in := s
	if international && !strings.HasPrefix(s, "+") {
		in = "+" + s
	}
	if n, err := phonenumbers.Parse(in, region); err == nil && phonenumbers.IsValidNumber(n) {
		return phonenumbers.Format(n, phonenumbers.E164), nil
	}
	if !international && !strings.HasPrefix(s, "+") {
		if n, err := phonenumbers.Parse("+"+s, region); err == nil && phonenumbers.IsValidNumber(n) && strings.HasPrefix(s, fmt.Sprint(phonenumbers.GetCountryCodeForRegion(region))) {
			return phonenumbers.Format(n, phonenumbers.E164), nil
		}
	}
	return "", fmt.Errorf("invalid")
}

func BenchmarkNormalizePhone(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	nums := make([]string, 4096)
	for i := range nums {
		switch i % 3 {
		case 0:
			nums[i] = fmt.Sprintf("05%d-%03d-%04d", 2+rng.IntN(3)*2, 200+rng.IntN(800), rng.IntN(10000))
		case 1:
			nums[i] = fmt.Sprintf("+972 5%d %03d %04d", 2+rng.IntN(3)*2, 200+rng.IntN(800), rng.IntN(10000))
		default:
			nums[i] = fmt.Sprintf("9725%d%03d%04d", 2+rng.IntN(3)*2, 200+rng.IntN(800), rng.IntN(10000))
		}
	}
	b.Run("fast path", func(b *testing.B) {
		p := sheet.NewPhoneNormalizer("IL", false)
		for i := 0; b.Loop(); i++ {
			p.Normalize(nums[i%len(nums)])
		}
	})
	b.Run("library", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			libraryNormalize(nums[i%len(nums)], "IL", false)
		}
	})
}
