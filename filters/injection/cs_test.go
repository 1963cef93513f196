package injection
import ("testing";"math/rand/v2";"github.com/tollgate-ai/tollgate/filters/internal/cpubench")
func csN(w []int8, b []byte, shift uint) int32 {
	var sum int32
	var roll uint64
	m := uint64(len(w)-1)
	for _, c := range b {
		roll = roll<<8 | uint64(c)
		sum += int32(w[((roll&0xffffffff)^nsChar)*mixMul>>shift&m])
	}
	return sum
}
var csink int32
func BenchmarkCharSumBits(b *testing.B) {
	text := benchText(benignUnit, 4096)
	var s scratch
	s.fold(text, 256)
	for _, bits := range []uint{12, 13, 14, 15, 16} {
		w := make([]int8, 1<<bits)
		for i := range w { w[i] = int8(rand.IntN(256)) }
		b.Run(string(rune('0'+bits-10)), func(b *testing.B) {
			t := cpubench.Start()
			for b.Loop() { csink = csN(w, s.buf, 64-bits) }
			t.Report(b)
		})
	}
}
