package tokenizer

import (
	"sync"
	"testing"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

var allEncodings = []string{CL100KBase, O200KBase, P50KBase, R50KBase}

var (
	refMu    sync.Mutex
	refCache = map[string]*tiktoken.Tiktoken{}
)

// reference returns tiktoken-go's encoder, built once per encoding (each
// GetEncoding call rebuilds its tables).
func reference(tb testing.TB, name string) *tiktoken.Tiktoken {
	tb.Helper()
	refMu.Lock()
	defer refMu.Unlock()
	if tk, ok := refCache[name]; ok {
		return tk
	}
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
	tk, err := tiktoken.GetEncoding(name)
	if err != nil {
		tb.Fatalf("tiktoken-go %s: %v", name, err)
	}
	refCache[name] = tk
	return tk
}

func encoderFor(tb testing.TB, name string) *Encoder {
	tb.Helper()
	enc, err := lookupEncoding(name)
	if err != nil {
		tb.Fatal(err)
	}
	enc.waitTables()
	return &Encoder{enc: enc}
}
