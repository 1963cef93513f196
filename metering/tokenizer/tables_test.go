package tokenizer

import (
	"runtime"
	"testing"
	"time"
)

// TestBacktrackTablesCost logs what the tables cost to build (run with -v).
func TestBacktrackTablesCost(t *testing.T) {
	for _, name := range allEncodings {
		e := encoderFor(t, name).enc
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		tb := e.buildBacktrack()
		elapsed := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		unreachable := 0
		for id, ok := range tb.reachable {
			if !ok && tb.tokens[id] != "" {
				unreachable++
			}
		}
		pairs := 0
		for _, s := range tb.pairs.slots {
			if s.key != 0 {
				pairs++
			}
		}
		if pairs == 0 {
			t.Fatalf("%s: no merge pairs", name)
		}
		t.Logf("%s: built in %v, %.1f MiB live, %d merge pairs, %d arena bytes, %d unreachable tokens",
			name, elapsed.Round(time.Millisecond), float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), pairs, len(tb.prefixes.arena), unreachable)
		runtime.KeepAlive(tb)
	}
}
