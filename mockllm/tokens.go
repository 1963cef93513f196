package mockllm

import (
	"fmt"
	"hash/maphash"
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

func init() {
	// The loader is a process-wide setting of tiktoken-go; set it before any goroutine can race on it.
	// The offline loader reads ranks embedded in the binary: no download, ever.
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
}

var (
	cl100kOnce sync.Once
	cl100k     *tiktoken.Tiktoken
	cl100kErr  error
)

// sharedCL100K builds the cl100k_base encoder once per process: it costs ~100 ms and tens of MB.
func sharedCL100K() (*tiktoken.Tiktoken, error) {
	cl100kOnce.Do(func() {
		cl100k, cl100kErr = tiktoken.GetEncoding("cl100k_base")
		if cl100kErr != nil {
			cl100kErr = fmt.Errorf("mockllm: load cl100k_base: %w", cl100kErr)
		}
	})
	return cl100k, cl100kErr
}

// Counting cache: tiktoken-go costs ~20 µs and dozens of allocations per short string, far more than the rest of a
// request, and load tests repeat the same few prompts. Counts are cached in bounded shards keyed by a 64-bit
// maphash and the length, so no prompt text is kept in memory.
const (
	countCacheShards    = 16
	countCacheShardSize = 4096 // entries per shard; a full shard is cleared
)

type tokenCounter struct {
	enc    *tiktoken.Tiktoken
	seed   maphash.Seed
	shards [countCacheShards]countShard
}

type countKey struct {
	hash uint64
	size int
}

type countShard struct {
	mu sync.Mutex
	m  map[countKey]int
}

func newTokenCounter(enc *tiktoken.Tiktoken) *tokenCounter {
	return &tokenCounter{enc: enc, seed: maphash.MakeSeed()}
}

// count returns the number of cl100k_base tokens of s; special-token text counts as ordinary text.
func (tc *tokenCounter) count(s []byte) int {
	if len(s) == 0 {
		return 0
	}
	k := countKey{hash: maphash.Bytes(tc.seed, s), size: len(s)}
	sh := &tc.shards[k.hash%countCacheShards]
	sh.mu.Lock()
	n, ok := sh.m[k]
	sh.mu.Unlock()
	if ok {
		return n
	}
	n = len(tc.enc.EncodeOrdinary(string(s)))
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= countCacheShardSize {
		sh.m = make(map[countKey]int, 64)
	}
	sh.m[k] = n
	sh.mu.Unlock()
	return n
}
