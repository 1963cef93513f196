package injection

// The classifier's features, all read from the folded form: character
// 4-grams (white space and punctuation included),
// word unigrams and word bigrams, hashed with fixed constants into one table
// of 2^bits weights. Each feature occurrence is an event at the folded
// offset where it ends, so a window of the text is a contiguous run of
// events and a window's sum is a difference of prefix sums.

const (
	charMin = 4 // 3..5 and 4..5 measured no better on validation, and cost a lookup each;
	charMax = 4 // sumBlocks assumes one size

	// Namespaces keep a word and a character n-gram with equal bytes apart.
	nsWord   = 0x5bd1e9955bd1e995
	nsBigram = 0x27d4eb2f165667c5
	nsChar   = 0x165667b19e3779f9

	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	mixMul    = 0x9e3779b97f4a7c15
)

// event is one feature occurrence: its bucket and the folded offset it ends at.
type event struct {
	idx uint32
	pos int32
}

// word is one token of the folded form: where it ends and its heuristic
// vocabulary id (0: no pattern names it).
type word struct {
	end int32
	id  uint16
}

// bucket maps a 64-bit key to one of 2^bits weights.
func bucket(key uint64, bits uint) uint32 {
	key ^= key >> 29
	key *= mixMul
	return uint32(key >> (64 - bits))
}

// isWordByte reports whether c continues a word in the folded form. Leet
// digits and '@', '$' are already letters there; the rest of the digits,
// '_' and any byte of a non-ASCII character continue a word too.
func isWordByte(c byte) bool { return wordByte[c] }

var wordByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '\'' || c >= 0x80
	}
	return t
}()

// extract appends the events and words of s.buf to s.ev and s.words: the
// training view of the features.
func (s *scratch) extract(bits uint) {
	s.ev = s.ev[:0]
	s.scan(bits, func(idx uint32, pos int) { s.ev = append(s.ev, event{idx, int32(pos)}) })
}

// scan calls emit for every feature event of s.buf, in order of position,
// and appends the words to s.words. Serving inlines the same walk in
// sumBlocks; a test holds the two to the same sums.
func (s *scratch) scan(bits uint, emit func(idx uint32, pos int)) {
	buf := s.buf
	words := s.words[:0]
	var roll uint64 // the last 8 bytes, newest lowest
	var wh uint64   // hash of the word being read
	var prev uint64 // hash of the previous word, 0 at the start
	inWord := false
	for i, c := range buf {
		roll = roll<<8 | uint64(c)
		for n := charMin; n <= charMax && n <= i+1; n++ {
			emit(charBucket(roll, n, bits), i)
		}
		if !isWordByte(c) {
			continue
		}
		if !inWord {
			wh, inWord = fnvOffset, true
		}
		wh = (wh ^ uint64(c)) * fnvPrime
		if i+1 < len(buf) && isWordByte(buf[i+1]) {
			continue
		}
		// The word ends here.
		emit(bucket(wh^nsWord, bits), i)
		if prev != 0 {
			emit(bucket(prev*fnvPrime^wh^nsBigram, bits), i)
		}
		words = append(words, word{end: int32(i), id: theMatcher.id(wh)})
		prev, inWord = wh, false
	}
	s.words = words
}

// sumBlocks is scan for serving: instead of recording events it adds their
// weights and counts into the block of each stride they end in. It walks
// the text twice: the character grams in a branch-free loop (one table
// load per byte), then the words. One walk with both interleaved paid a
// mispredicted branch at every word edge in the character loop too. A test
// holds it to scan's events.
func (s *scratch) sumBlocks(bits uint, w []int8, stride int, bl []block) {
	buf := s.buf
	var roll uint64
	for k := range bl {
		lo, hi := k*stride, min((k+1)*stride, len(buf))
		var sum int32
		i := lo
		for ; i < hi && i < charMin-1; i++ { // the first bytes end no gram
			roll = roll<<8 | uint64(buf[i])
		}
		n := int32(hi - i)
		if bits == 16 {
			sum = charSum16((*[1 << 16]int8)(w), buf[i:hi], roll)
		} else {
			for ; i < hi; i++ {
				roll = roll<<8 | uint64(buf[i])
				sum += int32(w[charBucket(roll, charMin, bits)])
			}
		}
		if hi-lo >= charMin-1 {
			roll = 0
			for _, c := range buf[hi-(charMin-1) : hi] {
				roll = roll<<8 | uint64(c)
			}
		} else if hi > lo {
			for _, c := range buf[lo:hi] {
				roll = roll<<8 | uint64(c)
			}
		}
		bl[k].sum, bl[k].n = sum, n
	}
	s.sumWords(bits, w, stride, bl)
}

// charSum16 sums the weights of the 4-grams ending at each byte of b, for a
// 2^16 table, whose size the index type proves: no bounds check in the loop.
// roll holds the bytes before b.
func charSum16(w *[1 << 16]int8, b []byte, roll uint64) int32 {
	var sum int32
	for _, c := range b {
		roll = roll<<8 | uint64(c)
		sum += int32(w[uint16(((roll&0xffffffff)^nsChar)*mixMul>>48)])
	}
	return sum
}

// sumWords adds the word and bigram events to the blocks their words end
// in, and records the words, with their vocabulary ids, for the
// heuristics. A block's sums stay in registers until the words move on to
// the next block.
func (s *scratch) sumWords(bits uint, w []int8, stride int, bl []block) {
	buf := s.buf
	words := s.words[:0]
	shift := uint(0)
	for 1<<shift < stride {
		shift++
	}
	var prev uint64
	cur, sum, n := 0, int32(0), int32(0) // the block being summed
	for i := 0; i < len(buf); {
		if !wordByte[buf[i]] {
			i++
			continue
		}
		wh := uint64(fnvOffset)
		for ; i < len(buf) && wordByte[buf[i]]; i++ {
			wh = (wh ^ uint64(buf[i])) * fnvPrime
		}
		end := i - 1
		if k := end >> shift; k != cur {
			bl[cur].sum += sum
			bl[cur].n += n
			cur, sum, n = k, 0, 0
		}
		sum += int32(w[bucket(wh^nsWord, bits)])
		n++
		if prev != 0 {
			sum += int32(w[bucket(prev*fnvPrime^wh^nsBigram, bits)])
			n++
		}
		words = append(words, word{end: int32(end), id: theMatcher.id(wh)})
		prev = wh
	}
	if len(bl) > 0 {
		bl[cur].sum += sum
		bl[cur].n += n
	}
	s.words = words
}

// charBucket is the bucket of the n-byte character gram ending at the
// newest byte of roll.
// Multiplicative hashing alone mixes a 4-byte key well enough.
func charBucket(roll uint64, n int, bits uint) uint32 {
	return uint32(((roll & (1<<(8*uint(n)) - 1)) ^ nsChar) * mixMul >> (64 - bits))
}

// hashWord is the hash extract gives a folded word; the heuristics use it.
func hashWord(w string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * fnvPrime
	}
	return h
}
