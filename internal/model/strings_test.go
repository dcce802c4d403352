package model

import (
	"strings"
	"testing"
)

func TestSameString(t *testing.T) {
	s := "employeeNumber"
	other := strings.Clone(s)
	for _, c := range []struct {
		x, y string
		want bool
	}{
		{s, s, true},               // one string
		{s, other, true},           // the same bytes elsewhere
		{s, s[:8], false},          // a prefix at the same address
		{s[:8], "employeX", false}, // the same length, other bytes
		{"", s[:0], true},
		{"", "x", false},
	} {
		if got := SameString(c.x, c.y); got != c.want || got != (c.x == c.y) {
			t.Errorf("SameString(%q, %q) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
}
