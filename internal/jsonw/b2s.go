package jsonw

import "unsafe"

// b2s views b as a string without copying; b must not change while in use.
func b2s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
