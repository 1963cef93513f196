package tokenizer

import (
	"fmt"
	"math"
	"sync"

	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// Encoding names.
const (
	O200KBase  = "o200k_base"
	CL100KBase = "cl100k_base"
	P50KBase   = "p50k_base"
	R50KBase   = "r50k_base"
)

const noRank = math.MaxInt32 // no token for this byte string (also marks merged-away nodes)

// encoding is one BPE vocabulary plus its pre-tokenizer. Ranks are loaded from
// the embedded offline loader at most once per process, on first use.
type encoding struct {
	name  string
	split func(t []byte, i int) int

	once      sync.Once
	err       error
	ranks     map[string]int
	pairRanks []int32 // rank of every 2-byte string, noRank when absent
	maxLen    int     // longest token in bytes
	bt        backtracker
	pieces    *pieceCache
}

// encodings are shared by all Registries: ranks cost 11–22 MiB each.
var encodings = map[string]*encoding{
	O200KBase:  {name: O200KBase, split: splitO200K},
	CL100KBase: {name: CL100KBase, split: splitCL100K},
	P50KBase:   {name: P50KBase, split: splitGPT2},
	R50KBase:   {name: R50KBase, split: splitGPT2},
}

func lookupEncoding(name string) (*encoding, error) {
	e, ok := encodings[name]
	if !ok {
		return nil, fmt.Errorf("tokenizer: unknown encoding %q (want %s, %s, %s or %s)", name, O200KBase, CL100KBase, P50KBase, R50KBase)
	}
	return e, e.load()
}

func (e *encoding) load() error {
	e.once.Do(func() {
		buildClasses()
		ranks, err := tiktoken_loader.NewOfflineLoader().LoadTiktokenBpe(e.name + ".tiktoken")
		if err != nil {
			e.err = fmt.Errorf("tokenizer: load %s ranks: %w", e.name, err)
			return
		}
		for b := 0; b < 256; b++ {
			if _, ok := ranks[string([]byte{byte(b)})]; !ok {
				e.err = fmt.Errorf("tokenizer: %s has no token for byte %#x", e.name, b)
				return
			}
		}
		pairs := make([]int32, 1<<16)
		for i := range pairs {
			r, ok := ranks[string([]byte{byte(i >> 8), byte(i)})]
			if !ok {
				r = noRank
			}
			pairs[i] = int32(r)
		}
		for k := range ranks {
			e.maxLen = max(e.maxLen, len(k))
		}
		e.ranks, e.pairRanks, e.pieces = ranks, pairs, new(pieceCache)
		e.startBacktrackBuild()
	})
	return e.err
}

// rank returns the rank of b, or noRank. Once the backtracking tables exist
// their prefix table answers (faster than the map); before, the map does.
func (e *encoding) rank(b []byte) int32 {
	if len(b) > e.maxLen {
		return noRank
	}
	if t := e.bt.t.Load(); t != nil {
		if id, ok := t.prefixes.get(b, fnvHash(b)); ok && id >= 0 {
			return id
		}
		return noRank
	}
	if r, ok := e.ranks[string(b)]; ok {
		return int32(r)
	}
	return noRank
}

func (e *encoding) pairRank(a, b byte) int32 {
	return e.pairRanks[int(a)<<8|int(b)]
}
