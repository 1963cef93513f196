package tokenizer

import (
	"encoding/binary"
	"sync/atomic"
)

// pieceCache remembers how many tokens short pieces (3–16 bytes: most words
// with their leading space) encode to, so the words that recur across
// requests ("the", " connection", " in") cost one probe instead of a rank
// lookup in the multi-MiB token tables and a merge. It is direct-mapped and
// fixed in size (128 KiB an encoding): a newer piece evicts an older one, so
// no input can grow it, and a miss only costs what counting did before.
//
// Slots are seqlocks: a writer makes the sequence odd, stores, makes it even;
// a reader takes the slot only when the sequence was even and unchanged
// around its loads, so it never sees half of one piece and half of another.
type pieceCache struct {
	slots [1 << pieceCacheBits]pieceSlot
}

const (
	pieceCacheBits = 12
	pieceMin       = 3  // shorter pieces are a direct table load already
	pieceMax       = 16 // bytes of key per slot
)

type pieceSlot struct {
	seq    atomic.Uint64
	k0, k1 atomic.Uint64 // the piece's bytes, zero-padded
	meta   atomic.Uint64 // count<<8 | len; 0 in an empty slot (len >= pieceMin)
}

// pieceKey packs p (pieceMin <= len(p) <= pieceMax) into two words and
// returns them with p's slot.
func (c *pieceCache) key(p []byte) (k0, k1 uint64, slot *pieceSlot) {
	var b [pieceMax]byte
	copy(b[:], p)
	k0, k1 = binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
	h := (k0 ^ k1*0xC2B2AE3D27D4EB4F ^ uint64(len(p))) * 0x9E3779B97F4A7C15
	return k0, k1, &c.slots[h>>(64-pieceCacheBits)]
}

// get returns the token count cached for p, if any.
func (c *pieceCache) get(p []byte) (int, bool) {
	k0, k1, s := c.key(p)
	seq := s.seq.Load()
	a, b, m := s.k0.Load(), s.k1.Load(), s.meta.Load()
	if seq&1 != 0 || s.seq.Load() != seq || a != k0 || b != k1 || m&0xFF != uint64(len(p)) {
		return 0, false
	}
	return int(m >> 8), true
}

// put caches p's count, unless another writer holds the slot.
func (c *pieceCache) put(p []byte, n int) {
	k0, k1, s := c.key(p)
	seq := s.seq.Load()
	if seq&1 != 0 || !s.seq.CompareAndSwap(seq, seq+1) {
		return
	}
	s.k0.Store(k0)
	s.k1.Store(k1)
	s.meta.Store(uint64(n)<<8 | uint64(len(p)))
	s.seq.Store(seq + 2)
}
