package filters

import "encoding/binary"

// ahoCorasick is a dense Aho–Corasick automaton: one table lookup per input
// byte whatever the number of patterns, so keyword prefilters and
// blocklists cost the same on a text with no hit as a plain byte loop.
// Bytes are mapped to classes (the distinct bytes of the patterns plus one
// class for everything else) to keep the table small.
type ahoCorasick struct {
	class   [256]uint16
	nclass  int
	delta   []int32 // state*nclass + class -> next state*nclass, negated when it has outputs
	outHead []int32 // state -> first output entry or -1
	outPat  []int32 // entry -> pattern id
	outNext []int32 // entry -> next entry or -1
	patLen  []int32
	root    [256]int32 // the root's transitions by byte: the hot loop in text with no keyword
	// starts has a bit for the first three bytes of every pattern (case
	// folded with foldCase), hashed: at the root, a position whose three
	// bytes are not marked starts no pattern and is skipped. nil when a
	// pattern is shorter than three bytes.
	starts   *[startBits / 64]uint64
	foldMask uint32
}

// startBits is the size of the three-byte start filter: 4 KB, so it stays
// in L1 beside the text.
const startBits = 1 << 15

// startKey hashes the three bytes at text[i:] (i+3 <= len(text)) into the
// start filter; fold is 0x202020 to fold ASCII case (it also maps some
// punctuation together, which only lets a few more positions through).
func startKey(text []byte, i int, fold uint32) uint32 {
	k := (uint32(text[i]) | uint32(text[i+1])<<8 | uint32(text[i+2])<<16) | fold
	return k * 0x9e3779b1 >> (32 - 15)
}

// newAhoCorasick builds the automaton; with foldCase, ASCII letters match
// either case (patterns are lowercased first). With startFilter (and every
// pattern three bytes or longer) the root skips by three-byte starts.
func newAhoCorasick(patterns []string, foldCase, startFilter bool) *ahoCorasick {
	m := &ahoCorasick{}
	lower := func(c byte) byte {
		if foldCase && c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	var used [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			used[lower(p[i])] = true
		}
	}
	m.nclass = 1 // class 0: bytes in no pattern
	for c := 0; c < 256; c++ {
		if used[c] {
			m.class[c] = uint16(m.nclass)
			m.nclass++
		}
	}
	if foldCase {
		for c := 'A'; c <= 'Z'; c++ {
			m.class[c] = m.class[c+'a'-'A']
		}
	}
	// Trie.
	type node struct{ next map[uint16]int32 }
	trie := []node{{next: map[uint16]int32{}}}
	own := [][]int32{nil}
	for id, p := range patterns {
		m.patLen = append(m.patLen, int32(len(p)))
		st := int32(0)
		for i := 0; i < len(p); i++ {
			cl := m.class[lower(p[i])]
			nx, ok := trie[st].next[cl]
			if !ok {
				nx = int32(len(trie))
				trie = append(trie, node{next: map[uint16]int32{}})
				own = append(own, nil)
				trie[st].next[cl] = nx
			}
			st = nx
		}
		own[st] = append(own[st], int32(id))
	}
	n := len(trie)
	m.delta = make([]int32, n*m.nclass)
	m.outHead = make([]int32, n)
	fail := make([]int32, n)
	// BFS: fill the full transition function and the output chains.
	queue := make([]int32, 0, n)
	m.outHead[0] = -1
	for cl := 0; cl < m.nclass; cl++ {
		if nx, ok := trie[0].next[uint16(cl)]; ok {
			m.delta[cl] = nx
			fail[nx] = 0
			queue = append(queue, nx)
		}
	}
	for q := 0; q < len(queue); q++ {
		st := queue[q]
		head := m.outHead[fail[st]]
		for i := len(own[st]) - 1; i >= 0; i-- {
			m.outPat = append(m.outPat, own[st][i])
			m.outNext = append(m.outNext, head)
			head = int32(len(m.outPat) - 1)
		}
		m.outHead[st] = head
		for cl := 0; cl < m.nclass; cl++ {
			if nx, ok := trie[st].next[uint16(cl)]; ok {
				m.delta[int(st)*m.nclass+cl] = nx
				fail[nx] = m.delta[int(fail[st])*m.nclass+cl]
				queue = append(queue, nx)
			} else {
				m.delta[int(st)*m.nclass+cl] = m.delta[int(fail[st])*m.nclass+cl]
			}
		}
	}
	// Premultiply the states (one multiply less per byte) and mark those
	// with outputs by the sign (one load less per byte).
	nc := int32(m.nclass)
	for i, to := range m.delta {
		v := to * nc
		if m.outHead[to] >= 0 {
			v = -v
		}
		m.delta[i] = v
	}
	for c := range m.root {
		m.root[c] = m.delta[m.class[c]]
	}
	if !startFilter {
		return m
	}
	m.starts = new([startBits / 64]uint64)
	if foldCase {
		m.foldMask = 0x202020
	}
	for _, p := range patterns {
		if len(p) < 3 {
			m.starts = nil
			break
		}
		k := startKey([]byte(p), 0, m.foldMask)
		m.starts[k/64] |= 1 << (k % 64)
	}
	return m
}

// next advances the automaton over text[i]. At the root it first skips
// every byte that cannot start a pattern, one independent table load per
// byte (no chain through the state), and returns the position it stopped
// at; len(text) means the text ended at the root. (Small enough to be
// inlined; an automaton with a start filter uses advance.)
func (m *ahoCorasick) next(text []byte, i int, st int32) (int, int32) {
	if st != 0 {
		return i, m.delta[st+int32(m.class[text[i]])]
	}
	for i < len(text) && m.root[text[i]] == 0 {
		i++
	}
	if i == len(text) {
		return i, 0
	}
	return i, m.root[text[i]]
}

// advance is next for an automaton with or without a start filter.
func (m *ahoCorasick) advance(text []byte, i int, st int32) (int, int32) {
	if st == 0 && m.starts != nil {
		return m.skipToStart(text, i)
	}
	return m.next(text, i, st)
}

// skipToStart is next at the root with the start filter: the first
// position from i whose three bytes may start a pattern (independent table
// loads per byte, no chain through the state), and the root's transition
// there. Skipping is exact: at the root no pattern is under way, and one
// can only start where its first three bytes are, so the automaton
// restarted at the root there finds every match it would have found.
func (m *ahoCorasick) skipToStart(text []byte, i int) (int, int32) {
	f := m.starts
	fold := uint64(0)
	if m.foldMask != 0 {
		fold = 0x2020202020202020
	}
	// Four positions a step from one 8-byte load, then one by one from
	// the step that may hold a start.
	for ; i+8 <= len(text); i += 4 {
		x := binary.LittleEndian.Uint64(text[i:]) | fold
		k0 := uint32(x) & 0xffffff * 0x9e3779b1 >> (32 - 15)
		k1 := uint32(x>>8) & 0xffffff * 0x9e3779b1 >> (32 - 15)
		k2 := uint32(x>>16) & 0xffffff * 0x9e3779b1 >> (32 - 15)
		k3 := uint32(x>>24) & 0xffffff * 0x9e3779b1 >> (32 - 15)
		if (f[k0/64]>>(k0%64)|f[k1/64]>>(k1%64)|f[k2/64]>>(k2%64)|f[k3/64]>>(k3%64))&1 != 0 {
			break
		}
	}
	for ; i+4 <= len(text); i++ {
		k := (binary.LittleEndian.Uint32(text[i:])&0xffffff | m.foldMask) * 0x9e3779b1 >> (32 - 15)
		if f[k/64]&(1<<(k%64)) != 0 {
			return i, m.root[text[i]]
		}
	}
	for ; i+3 <= len(text); i++ {
		if k := startKey(text, i, m.foldMask); f[k/64]&(1<<(k%64)) != 0 {
			return i, m.root[text[i]]
		}
	}
	return len(text), 0 // fewer than three bytes left: no pattern fits
}

// step advances the automaton by one byte; st is a premultiplied state as
// step returns it (the root is 0). A negative result is a state with
// outputs: pass it to outputs and go on from its absolute value.
func (m *ahoCorasick) step(st int32, c byte) int32 {
	return m.delta[st+int32(m.class[c])]
}

// outputs returns the first output entry of the (negative) state st.
func (m *ahoCorasick) outputs(st int32) int32 {
	return m.outHead[-st/int32(m.nclass)]
}
