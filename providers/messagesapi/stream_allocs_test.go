//go:build !race

package messagesapi

import "testing"

// TestStreamEventAllocs: a warm stream translates events without
// allocating, so a long stream's memory does not grow per event.
func TestStreamEventAllocs(t *testing.T) {
	var s Stream
	s.Reset("claude-sonnet-4-5", 10)
	dst, _ := s.Event(nil, benchChunk, Usage{})
	for _, ev := range [][]byte{benchChunk, benchTool} {
		dst, _ = s.Event(dst[:0], ev, Usage{}) // warm up the block switch
		if n := testing.AllocsPerRun(200, func() { dst, _ = s.Event(dst[:0], ev, Usage{}) }); n != 0 {
			t.Fatalf("%d allocations per event", int(n))
		}
	}
}
