package tokenizer

import "math/bits"

// prefixTable maps every token (→ id) and every proper prefix of a token
// (→ -1) to a value, for longestMatch's byte-by-byte walk. Keys hash with
// FNV-1a, which extends one byte at a time, so the walk hashes each byte
// once; a lookup is one slot probe plus one byte comparison in the arena.
// The table is static, so no input can lengthen a probe sequence.
type prefixTable struct {
	shift uint
	mask  uint64
	used  int
	slots []prefixSlot
	arena []byte
}

type prefixSlot struct {
	tag uint32 // low hash bits; 0 only in empty slots (n == 0)
	off uint32
	n   uint16
	id  int32
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvStep(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvHash(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h = fnvStep(h, c)
	}
	return h
}

func newPrefixTable(n int) *prefixTable {
	b := bits.Len(uint(n * 2))
	return &prefixTable{shift: uint(64 - b), mask: 1<<b - 1, slots: make([]prefixSlot, 1<<b)}
}

func (t *prefixTable) index(h uint64) uint64 { return (h * 0x9E3779B97F4A7C15) >> t.shift }

// put adds key → id unless key is present, doubling the table to keep the
// load at most 1/2.
func (t *prefixTable) put(key string, id int32) {
	if 2*(t.used+1) > len(t.slots) {
		t.grow()
	}
	h := fnvHash([]byte(key))
	for i := t.index(h); ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.n == 0 {
			*s = prefixSlot{tag: uint32(h), off: uint32(len(t.arena)), n: uint16(len(key)), id: id}
			t.arena = append(t.arena, key...)
			t.used++
			return
		}
		if s.tag == uint32(h) && string(t.arena[s.off:s.off+uint32(s.n)]) == key {
			return
		}
	}
}

func (t *prefixTable) grow() {
	old := t.slots
	b := bits.Len(uint(len(old)))
	t.shift, t.mask, t.slots = uint(64-b), 1<<b-1, make([]prefixSlot, 1<<b)
	for _, s := range old {
		if s.n == 0 {
			continue
		}
		h := fnvHash(t.arena[s.off : s.off+uint32(s.n)])
		i := t.index(h)
		for t.slots[i].n != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = s
	}
}

// get looks up key, whose FNV-1a hash is h.
func (t *prefixTable) get(key []byte, h uint64) (int32, bool) {
	for i := t.index(h); ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.n == 0 {
			return 0, false
		}
		if s.tag == uint32(h) && int(s.n) == len(key) && string(t.arena[s.off:s.off+uint32(s.n)]) == string(key) {
			return s.id, true
		}
	}
}
