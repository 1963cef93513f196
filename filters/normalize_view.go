package filters

import (
	"encoding/binary"
	"sort"

	"golang.org/x/text/unicode/norm"
)

// view is one normalised form of a text plus the way back. The way back is
// piecewise: a segment either copies its source byte for byte (ident) or
// replaces the source range [orig, origEnd) as a whole (an NFKC
// composition, a removed zero-width character, a folded homoglyph). ASCII
// text is one ident segment however long, so building a view costs a copy
// and mapping a span costs a binary search over the few non-ASCII places.
// A view maps into its parent's bytes when it has one (the folded form is
// built from the safe form), else into the caller's text.
type view struct {
	b        []byte
	own      []byte // b's own storage while b borrows the source
	segs     []seg
	parent   *view
	identity bool      // b is the source itself (or a 1:1 rewrite of it)
	iter     norm.Iter // kept here so a scan allocates none
}

type seg struct {
	out           int32 // first byte of the segment in b
	orig, origEnd int32 // source range; for ident segments origEnd is unused
	ident         bool
	invalid       bool // a run of invalid UTF-8 bytes, one space each
}

func (v *view) reset() {
	if v.own != nil {
		v.b = v.own
		v.own = nil
	}
	v.b = v.b[:0]
	v.segs = v.segs[:0]
	v.identity = false
}

// setIdentity makes b (the source, or a 1:1 rewrite of it) the view.
func (v *view) setIdentity(b []byte) {
	if v.own == nil {
		v.own = v.b[:0]
	}
	v.b = b
	v.identity = true
}

// addIdent appends p, copied from the source at orig.
func (v *view) addIdent(p []byte, orig int) {
	if n := len(v.segs); n > 0 {
		l := v.segs[n-1]
		if l.ident && int(l.orig)+len(v.b)-int(l.out) == orig {
			v.b = append(v.b, p...)
			return
		}
	}
	v.segs = append(v.segs, seg{out: int32(len(v.b)), orig: int32(orig), ident: true})
	v.b = append(v.b, p...)
}

// addInvalid appends a space for the invalid byte at s; a run of invalid
// bytes becomes one segment (as many spaces, mapping to the whole run), so
// a megabyte of garbage costs one segment, not a million.
func (v *view) addInvalid(s int) {
	if n := len(v.segs); n > 0 {
		l := &v.segs[n-1]
		if !l.ident && int(l.origEnd) == s && l.invalid {
			l.origEnd++
			v.b = append(v.b, ' ')
			return
		}
	}
	v.segs = append(v.segs, seg{out: int32(len(v.b)), orig: int32(s), origEnd: int32(s + 1), invalid: true})
	v.b = append(v.b, ' ')
}

// addMapped appends p, which replaces the source range [s, e).
func (v *view) addMapped(p []byte, s, e int) {
	if n := len(v.segs); n > 0 {
		l := v.segs[n-1]
		if !l.ident && !l.invalid && int(l.orig) == s && int(l.origEnd) == e {
			v.b = append(v.b, p...)
			return
		}
	}
	v.segs = append(v.segs, seg{out: int32(len(v.b)), orig: int32(s), origEnd: int32(e)})
	v.b = append(v.b, p...)
}

// span maps [s,e) over v.b back to the caller's text.
func (v *view) span(s, e int) (int, int) {
	if !v.identity {
		s, e = v.local(s, e)
	}
	if v.parent != nil {
		return v.parent.span(s, e)
	}
	return s, e
}

// local maps [s,e) over v.b to the view's source.
func (v *view) local(s, e int) (int, int) {
	if len(v.segs) == 0 {
		return 0, 0
	}
	if e <= s {
		p := v.posStart(s)
		return p, p
	}
	return v.posStart(s), v.posEnd(e - 1)
}

// segAt is the segment holding output byte i.
func (v *view) segAt(i int) seg {
	k := sort.Search(len(v.segs), func(k int) bool { return int(v.segs[k].out) > i }) - 1
	return v.segs[max(k, 0)]
}

func (v *view) posStart(i int) int {
	if i >= len(v.b) { // an empty span at the end
		return v.posEnd(len(v.b) - 1)
	}
	g := v.segAt(i)
	if g.ident {
		return int(g.orig) + i - int(g.out)
	}
	return int(g.orig)
}

func (v *view) posEnd(i int) int {
	g := v.segAt(i)
	if g.ident {
		return int(g.orig) + i - int(g.out) + 1
	}
	return int(g.origEnd)
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// asciiPrefix returns the length of the ASCII prefix of b, 8 bytes a step.
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&swarHigh != 0 {
			break
		}
	}
	for i < len(b) && b[i] < 0x80 {
		i++
	}
	return i
}

// hasDigit reports whether any of the 8 bytes in x is an ASCII digit
// (the "has byte between" bit trick: no branch per byte).
func hasDigit(x uint64) bool {
	const m, n = '0' - 1, '9' + 1
	low := x & (swarOnes * 127)
	return (swarOnes*(127+n)-low)&^x&(low+swarOnes*(127-m))&swarHigh != 0
}

// digitRuns appends the start of every maximal run of ASCII digits in b.
// The numeric detectors (phone, card, IBAN, SSN, IPv4) start only there,
// so prose without digits costs them nothing.
func digitRuns(b []byte, runs []int32) []int32 {
	i, n := 0, len(b)
	for i < n {
		for i+8 <= n && !hasDigit(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < n && !isDigit(b[i]) {
			i++
		}
		if i >= n {
			break
		}
		runs = append(runs, int32(i))
		for i < n && isDigit(b[i]) {
			i++
		}
	}
	return runs
}
