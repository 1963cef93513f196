package tokenizer

import "testing"

func BenchmarkTmpPiece(b *testing.B) {
	e := encoderFor(b, CL100KBase).enc
	for _, p := range []string{"清晨的港口小镇慢慢醒来", "天还没亮就出海的渔民已经把一箱箱鱼拖上石阶", "她煮了咖啡整理了信件开始做那件从三月起就一直拖着的盘点工作店里的书大多是旧书"} {
		s := new(scratch)
		b.Run("small", func(b *testing.B) {
			for b.Loop() {
				sink = len(e.mergeSmall([]byte(p), s)) - 1
			}
		})
		b.Run("back", func(b *testing.B) {
			for b.Loop() {
				sink = e.backtrackEncode([]byte(p), s)
			}
		})
		b.Run("heap", func(b *testing.B) {
			for b.Loop() {
				sink = e.mergeLarge([]byte(p), s)
			}
		})
	}
}
