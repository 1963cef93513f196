package tokenizer

import "sync/atomic"

// Backtracking BPE for long pieces (the approach of GitHub's rust-gems "bpe"
// crate, written anew): a token sequence is the BPE result of a text exactly
// when every adjacent pair is one BPE would not re-merge across its border.
// So walk left to right taking the longest token that forms a valid pair
// with the previous one, trying shorter prefixes and backtracking when stuck.
// Each step is a few hash lookups, so hostile runs ("aaaa…") cost about what
// prose does, instead of a heap operation per merge.

type backtrackTables struct {
	tokens      []string     // id → bytes
	tokenLen    []uint16     // id → len(tokens[id]), a dense copy for the encoder's hot loop
	split       []uint64     // id → left<<32 | right, the last BPE merge that builds it (id, id for bytes)
	reachable   []bool       // BPE of the token's own bytes is the token itself
	nextPrefix  []int32      // id → longest reachable proper prefix token, -1 for none
	pairs       *pairTable   // left<<32 | right → token they merge into
	prefixes    *prefixTable // every token (→ id) and proper prefix of one (→ -1): one probe per byte
	extendable  []bool       // id → some longer token starts with it
	pairPrefix  []bool       // 2-byte strings (a<<8|b) that are prefixes but not tokens
	byteToken   [256]int32   // rank of each single byte
	pairRanks   []int32      // the encoding's 2-byte ranks
	rune3       []int32      // 3-byte UTF-8 rune (CJK and most scripts) → longestMatch within it <<1 | walk goes on
	maxTokenLen int
}

// backtracker holds the tables, built in the background once the ranks are
// loaded (a few hundred ms); until then long pieces use the heap merge, so
// no request waits for the build.
type backtracker struct {
	t    atomic.Pointer[backtrackTables]
	done chan struct{}
}

func (e *encoding) startBacktrackBuild() {
	e.bt.done = make(chan struct{})
	go func() {
		defer close(e.bt.done)
		e.bt.t.Store(e.buildBacktrack())
	}()
}

// waitTables blocks until the backtracking tables are built (tests, warm-up).
func (e *encoding) waitTables() { <-e.bt.done }

func (e *encoding) buildBacktrack() *backtrackTables {
	n := 0
	for _, id := range e.ranks {
		n = max(n, id+1)
	}
	t := &backtrackTables{
		tokens:      make([]string, n),
		tokenLen:    make([]uint16, n),
		split:       make([]uint64, n),
		reachable:   make([]bool, n),
		nextPrefix:  make([]int32, n),
		pairs:       newPairTable(len(e.ranks)),
		prefixes:    newPrefixTable(2 * len(e.ranks)),
		extendable:  make([]bool, n),
		pairPrefix:  make([]bool, 1<<16),
		pairRanks:   e.pairRanks,
		maxTokenLen: e.maxLen,
	}
	for tok, id := range e.ranks {
		t.tokens[id] = tok
		t.tokenLen[id] = uint16(len(tok))
	}
	for tok, id := range e.ranks {
		t.prefixes.put(tok, int32(id))
	}
	for tok := range e.ranks {
		for k := 1; k < len(tok); k++ {
			if p, ok := e.ranks[tok[:k]]; ok {
				t.extendable[p] = true
			} else {
				t.prefixes.put(tok[:k], -1)
				if k == 2 {
					t.pairPrefix[int(tok[0])<<8|int(tok[1])] = true
				}
			}
		}
	}
	s := new(scratch)
	for id, tok := range t.tokens {
		if tok == "" {
			continue // gap in the id space
		}
		if len(tok) == 1 {
			t.byteToken[tok[0]] = int32(id)
			t.split[id], t.reachable[id] = uint64(id)<<32|uint64(id), true
			continue
		}
		left, right, ok := e.lastMerge([]byte(tok), s)
		if !ok {
			continue
		}
		t.reachable[id] = true
		key := uint64(left)<<32 | uint64(right)
		t.split[id] = key
		t.pairs.put(key, int32(id))
	}
	for id, tok := range t.tokens {
		t.nextPrefix[id] = -1
		for k := len(tok) - 1; k > 0; k-- {
			if p, ok := e.ranks[tok[:k]]; ok && t.reachable[p] {
				t.nextPrefix[id] = int32(p)
				break
			}
		}
	}
	t.buildRune3()
	return t
}

// buildRune3 precomputes longestMatch's first three steps for every 3-byte
// UTF-8 sequence: CJK text is mostly such runes, and this replaces a pair
// lookup and a prefix-table probe per rune with one load from a 256 KiB table.
func (t *backtrackTables) buildRune3() {
	t.rune3 = make([]int32, 1<<16)
	var b [3]byte
	for r := range t.rune3 {
		b[0], b[1], b[2] = 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F
		best := t.longestMatchSlow(b[:])
		v := best << 1
		if id, ok := t.prefixes.get(b[:], fnvHash(b[:])); ok && (id < 0 || t.extendable[id]) {
			v |= 1
		}
		t.rune3[r] = v
	}
}

func rune3Index(p []byte) int {
	return int(p[0]&0x0F)<<12 | int(p[1]&0x3F)<<6 | int(p[2]&0x3F)
}

// lastMerge runs BPE on p and returns the two tokens of its final merge, or
// ok false when p does not encode to a single token. len(p) >= 2.
func (e *encoding) lastMerge(p []byte, s *scratch) (left, right int32, ok bool) {
	parts := e.mergeScan(p, s, 2)
	// Two tokens left: BPE merges them last when their pair (all of p) has a rank.
	if len(parts) != 3 || parts[0].rank == noRank {
		return 0, 0, false
	}
	return e.rank(p[:parts[1].start]), e.rank(p[parts[1].start:]), true
}

// validPair reports whether BPE keeps t1 t2 apart when encoding their
// concatenation: undo the later of the two sides' last merges step by step
// and check that no pair across the border would have merged first (on equal
// ranks the leftmost pair wins, hence the +1 on the right side).
func (t *backtrackTables) validPair(t1, t2 int32) bool {
	limit := int64(1) << 40
	for {
		if c, ok := t.pairs.get(uint64(t1)<<32 | uint64(t2)); ok && int64(c) < limit {
			return false
		}
		if t1 > t2 {
			limit = int64(t1)
			t1 = int32(uint32(t.split[t1]))
			if int64(t1) == limit {
				limit = int64(t2) + 1
				t2 = int32(t.split[t2] >> 32)
				if int64(t2)+1 == limit {
					return true
				}
			}
		} else {
			limit = int64(t2) + 1
			t2 = int32(t.split[t2] >> 32)
			if int64(t2)+1 == limit {
				limit = int64(t1)
				t1 = int32(uint32(t.split[t1]))
				if int64(t1) == limit {
					return true
				}
			}
		}
	}
}

// longestMatch returns the longest reachable token that is a prefix of p,
// walking one byte at a time while the bytes are still a token prefix. For
// a 3-byte UTF-8 sequence (lead 0xE0–0xEF, two continuation bytes: a
// bijection onto the table's 16-bit index) the rune3 table answers the
// first three steps.
func (e *encoding) longestMatch(t *backtrackTables, p []byte) int32 {
	if len(p) >= 3 && p[0]&0xF0 == 0xE0 && p[1]&0xC0 == 0x80 && p[2]&0xC0 == 0x80 {
		v := t.rune3[rune3Index(p)]
		if v&1 == 0 {
			return v >> 1
		}
		return t.walkFrom(p, v>>1, fnvStep(fnvStep(fnvStep(fnvOffset, p[0]), p[1]), p[2]), 4)
	}
	return t.longestMatchSlow(p)
}

func (t *backtrackTables) longestMatchSlow(p []byte) int32 {
	best := t.byteToken[p[0]]
	if len(p) == 1 || !t.extendable[best] {
		return best
	}
	if r := t.pairRanks[int(p[0])<<8|int(p[1])]; r != noRank {
		if t.reachable[r] {
			best = r
		}
		if !t.extendable[r] {
			return best
		}
	} else if !t.pairPrefix[int(p[0])<<8|int(p[1])] {
		return best
	}
	return t.walkFrom(p, best, fnvStep(fnvStep(fnvOffset, p[0]), p[1]), 3)
}

// walkFrom continues the walk at length k; h is the hash of p[:k-1].
func (t *backtrackTables) walkFrom(p []byte, best int32, h uint64, k int) int32 {
	for ; k <= len(p) && k <= t.maxTokenLen; k++ {
		h = fnvStep(h, p[k-1])
		id, ok := t.prefixes.get(p[:k], h)
		if !ok {
			break
		}
		if id >= 0 {
			if t.reachable[id] {
				best = id
			}
			if !t.extendable[id] {
				break
			}
		}
	}
	return best
}

// backtrackEncode leaves the tokens of p in s.toks and returns their count.
func (e *encoding) backtrackEncode(p []byte, s *scratch) int {
	t := e.bt.t.Load()
	if t == nil {
		return -1
	}
	n := len(p)
	s.growBits(n + 1)
	dead := s.dead[:n+1]
	clear(dead)
	toks := s.toks[:0]
	pos := 0
	next := e.longestMatch(t, p)
	for pos < n {
		tok := next
		last := int32(-1)
		if len(toks) > 0 {
			last = toks[len(toks)-1]
		}
		for {
			end := pos + int(t.tokenLen[tok])
			if !dead[end] && (last < 0 || s.validPair(e, t, last, tok)) {
				toks = append(toks, tok)
				pos = end
				if pos < n {
					next = e.longestMatch(t, p[pos:])
				}
				break
			}
			if shorter := t.nextPrefix[tok]; shorter >= 0 {
				tok = shorter
				continue
			}
			if last < 0 {
				return -1 // cannot happen for a BPE vocabulary; the caller falls back to the heap
			}
			dead[pos] = true
			toks = toks[:len(toks)-1]
			pos -= int(t.tokenLen[last])
			next = last
			break
		}
	}
	s.toks = toks
	return len(toks)
}

// validPair memoizes backtrackTables.validPair in a small direct-mapped
// cache per scratch: repetitive text re-checks the same pairs.
func (s *scratch) validPair(e *encoding, t *backtrackTables, t1, t2 int32) bool {
	if s.memoEnc != e {
		clear(s.memo[:])
		s.memoEnc = e
	}
	key := uint64(t1)<<32 | uint64(t2)
	i := (key * 0x9E3779B97F4A7C15) >> (64 - memoBits)
	if v := s.memo[i]; v>>1 == key+1 {
		return v&1 == 1
	}
	ok := t.validPair(t1, t2)
	v := (key + 1) << 1
	if ok {
		v |= 1
	}
	s.memo[i] = v
	return ok
}
