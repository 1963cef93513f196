package tokenizer

import "sync"

// scratch holds the per-call buffers; pooled so steady-state counting does
// not allocate.
type scratch struct {
	text             []byte // sanitized copy of invalid UTF-8 input
	parts            []part
	next, prev, rank []int32
	heap             []uint64
	toks             []int32
	dead             []bool
	memo             [1 << memoBits]uint64 // validPair results: (pair+1)<<1 | valid
	memoEnc          *encoding             // encoding the memo belongs to
	json             []byte
}

// maxRetained caps what a pooled scratch keeps, so one huge request does not
// pin megabytes in the pool.
const maxRetained = 1 << 20

const memoBits = 11

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.text) > maxRetained || cap(s.heap) > maxRetained/8 || cap(s.next) > maxRetained/4 || cap(s.json) > maxRetained {
		return
	}
	scratchPool.Put(s)
}

func (s *scratch) grow(n int) {
	if cap(s.next) < n {
		s.next = make([]int32, n)
		s.prev = make([]int32, n)
		s.rank = make([]int32, n)
	}
}

func (s *scratch) growBits(n int) {
	if cap(s.dead) < n {
		s.dead = make([]bool, n)
	}
}
