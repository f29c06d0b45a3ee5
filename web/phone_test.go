package web

import "testing"

func TestDisplayPhone(t *testing.T) {
	for _, c := range []struct{ in, country, want string }{
		{"+972523676050", "IL", "052-367-6050"},
		{"+97225123456", "IL", "02-512-3456"},
		{"+972523676050", "US", "+972 52-367-6050"},
		{"+12125550100", "IL", "+1 212-555-0100"},
		{"+12125550100", "US", "(212) 555-0100"},
		{"+12125550100", "", "+1 212-555-0100"},
		{"not a phone", "IL", "not a phone"},
		{"", "IL", ""},
	} {
		if got := displayPhone(c.in, c.country); got != c.want {
			t.Errorf("displayPhone(%q, %q) = %q, want %q", c.in, c.country, got, c.want)
		}
	}
}
