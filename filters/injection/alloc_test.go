//go:build !race

package injection

import (
	"strings"
	"testing"
)

func TestScoreAllocatesNothing(t *testing.T) {
	m := Default()
	text := []byte(strings.Repeat("Please review the attached figures before Thursday. ", 80))
	m.Score(text) // warm the pool
	if n := testing.AllocsPerRun(100, func() { m.Score(text) }); n != 0 {
		t.Fatalf("Score allocates %.1f times per call", n)
	}
}
