package model

import "unsafe"

// SameString is x == y, comparing the strings' addresses before their
// bytes: caches compare the keys, fields and names values share, most
// often the very same strings.
func SameString(x, y string) bool {
	return len(x) == len(y) && (unsafe.StringData(x) == unsafe.StringData(y) || x == y)
}
