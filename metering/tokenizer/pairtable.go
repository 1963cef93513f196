package tokenizer

import "math/bits"

// pairTable maps a token pair (left<<32 | right) to the token they merge
// into. Open addressing over one slice of (key, value) slots keeps a lookup
// to about one cache miss; validPair does several per token.
type pairTable struct {
	mask  uint64
	shift uint // 64 - log2(len(slots)): the index is the product's top bits
	slots []pairSlot
}

type pairSlot struct {
	key uint64 // 0 = empty; keys are stored +1 so that pair (0, 0) is representable
	val int32
}

func newPairTable(n int) *pairTable {
	b := bits.Len(uint(n * 2))
	return &pairTable{mask: 1<<b - 1, shift: uint(64 - b), slots: make([]pairSlot, 1<<b)}
}

// index is Fibonacci hashing: the top bits of the product mix all key bits
// (the low bits would depend on the right token only).
func (t *pairTable) index(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> t.shift }

func (t *pairTable) put(key uint64, val int32) {
	for i := t.index(key); ; i = (i + 1) & t.mask {
		if t.slots[i].key == 0 || t.slots[i].key == key+1 {
			t.slots[i] = pairSlot{key + 1, val}
			return
		}
	}
}

func (t *pairTable) get(key uint64) (int32, bool) {
	for i := t.index(key); ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s.key == key+1 {
			return s.val, true
		}
		if s.key == 0 {
			return 0, false
		}
	}
}
