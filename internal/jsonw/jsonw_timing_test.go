package jsonw

import (
	"testing"

	"github.com/tollgate-ai/tollgate/internal/benchcpu"
)

// BenchmarkString writes the strings of a ledger record and an access-log
// line (ids, names; plain ASCII, the usual case) and one that needs escapes.
func BenchmarkString(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"id", "4f9c2a7e1d3b8c6a5e0f2d4b7a9c1e3f"},
		{"name", "globex"},
		{"escaped", "a \"quoted\"\tline\nwith é and \x01"},
	} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			start := benchcpu.CPUTime()
			for b.Loop() {
				buf = String(buf[:0], c.s)
			}
			benchcpu.ReportCPU(b, start)
		})
	}
}
