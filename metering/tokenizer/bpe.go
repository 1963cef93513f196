package tokenizer

// Byte-pair merging, equal in result to tiktoken-go's bytePairMerge: always
// merge the adjacent pair with the lowest rank, the leftmost one on ties.
// Short pieces use the same quadratic scan (fastest when n is small); long
// pieces use a heap and a linked list, O(n log n), so hostile input such as
// 100 KB of one letter cannot stall a request.

const smallPiece = 24 // bytes; above this backtracking wins

type part struct {
	start int32
	rank  int32
}

// countPiece returns how many tokens p encodes to. Short pieces go through
// the piece cache.
func (e *encoding) countPiece(p []byte, s *scratch) int {
	switch {
	case len(p) <= 1:
		return len(p)
	case len(p) == 2:
		if e.pairRank(p[0], p[1]) != noRank {
			return 1
		}
		return 2
	case len(p) <= pieceMax:
		if n, ok := e.pieces.get(p); ok {
			return n
		}
		n := e.countPieceUncached(p, s)
		e.pieces.put(p, n)
		return n
	}
	return e.countPieceUncached(p, s)
}

// countPieceUncached counts p (len(p) >= 3) without the piece cache.
func (e *encoding) countPieceUncached(p []byte, s *scratch) int {
	switch {
	case len(p) <= smallPiece:
		if e.rank(p) != noRank {
			return 1
		}
		return len(e.mergeSmall(p, s)) - 1
	default: // a long piece that is one token is the backtracker's first match
		if n := e.backtrackEncode(p, s); n >= 0 {
			return n
		}
		return e.mergeLarge(p, s)
	}
}

// encodePiece appends the tokens of p to dst.
func (e *encoding) encodePiece(p []byte, s *scratch, dst []int) []int {
	if r := e.rank(p); r != noRank {
		return append(dst, int(r))
	}
	if len(p) <= smallPiece {
		parts := e.mergeSmall(p, s)
		for k := 0; k+1 < len(parts); k++ {
			dst = append(dst, int(e.rank(p[parts[k].start:parts[k+1].start])))
		}
		return dst
	}
	if e.backtrackEncode(p, s) >= 0 {
		for _, t := range s.toks {
			dst = append(dst, int(t))
		}
		return dst
	}
	e.mergeLarge(p, s)
	next := s.next
	for i := int32(0); int(i) < len(p); i = next[i] {
		dst = append(dst, int(e.rank(p[i:next[i]])))
	}
	return dst
}

// mergeSmall runs tiktoken's scan-for-minimum loop; the returned parts hold
// token boundaries (len = tokens+1). len(p) >= 2.
func (e *encoding) mergeSmall(p []byte, s *scratch) []part { return e.mergeScan(p, s, 1) }

// mergeScan merges the lowest-ranked adjacent pair, leftmost on ties, until
// none merges or only minTokens tokens are left. It is the one copy of the
// quadratic loop: mergeSmall runs it to the end, lastMerge stops it one
// merge early to see the final pair.
func (e *encoding) mergeScan(p []byte, s *scratch, minTokens int) []part {
	parts := s.parts[:0]
	for i := 0; i+1 < len(p); i++ {
		parts = append(parts, part{int32(i), e.pairRank(p[i], p[i+1])})
	}
	parts = append(parts, part{int32(len(p) - 1), noRank}, part{int32(len(p)), noRank})
	for len(parts) > minTokens+1 {
		minRank, i := int32(noRank), -1
		for k := 0; k+1 < len(parts); k++ {
			if parts[k].rank < minRank {
				minRank, i = parts[k].rank, k
			}
		}
		if i < 0 {
			break
		}
		parts[i].rank = noRank
		if i+3 < len(parts) {
			parts[i].rank = e.rank(p[parts[i].start:parts[i+3].start])
		}
		if i > 0 {
			parts[i-1].rank = e.rank(p[parts[i-1].start:parts[i+2].start])
		}
		parts = append(parts[:i+1], parts[i+2:]...)
	}
	s.parts = parts
	return parts
}

// mergeLarge merges with a min-heap of (rank, position) keys over a doubly
// linked list of parts indexed by their first byte. Entries are invalidated
// lazily: an entry counts only if the part still has that rank. It returns
// the token count and leaves token boundaries in s.next.
func (e *encoding) mergeLarge(p []byte, s *scratch) int {
	n := len(p)
	s.grow(n + 1)
	next, prev, rank := s.next[:n+1], s.prev[:n+1], s.rank[:n+1]
	h := s.heap[:0]
	for i := 0; i < n; i++ {
		next[i], prev[i], rank[i] = int32(i+1), int32(i-1), noRank
		if i+1 < n {
			if r := e.pairRank(p[i], p[i+1]); r != noRank {
				rank[i] = r
				h = append(h, heapKey(r, int32(i)))
			}
		}
	}
	heapInit(h)
	count := n
	for len(h) > 0 {
		k := h[0]
		h = heapPop(h)
		r, i := int32(k>>32), int32(uint32(k))
		if rank[i] != r {
			continue // stale
		}
		j := next[i]
		after := next[j]
		next[i] = after
		if int(after) < n {
			prev[after] = i
		}
		rank[j] = noRank
		count--
		rank[i] = noRank
		if int(after) < n {
			if r := e.rank(p[i:next[after]]); r != noRank {
				rank[i] = r
				h = heapPush(h, heapKey(r, i))
			}
		}
		if pi := prev[i]; pi >= 0 {
			rank[pi] = e.rank(p[pi:after])
			if rank[pi] != noRank {
				h = heapPush(h, heapKey(rank[pi], pi))
			}
		}
	}
	s.heap = h
	return count
}

func heapKey(rank, pos int32) uint64 { return uint64(rank)<<32 | uint64(uint32(pos)) }

func heapInit(h []uint64) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
}

func heapPush(h []uint64, k uint64) []uint64 {
	h = append(h, k)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent] <= k {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = k
	return h
}

func heapPop(h []uint64) []uint64 {
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	if last > 0 {
		siftDown(h, 0)
	}
	return h
}

func siftDown(h []uint64, i int) {
	k := h[i]
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1] < h[c] {
			c++
		}
		if k <= h[c] {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = k
}
