package gateway

import "testing"

// BenchmarkClassify: the verdict on the common results costs a few
// branches and no allocation.
func BenchmarkClassify(b *testing.B) {
	f := func(name string, r upstreamResult) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var sink action
			for range b.N {
				sink += classify(&r).act
			}
			if sink == 255 {
				b.Log(sink)
			}
		})
	}
	f("serve", upstreamResult{model: "gpt", target: "dep-a", status: 200, validBody: true})
	f("relay", upstreamResult{model: "gpt", target: "dep-a", status: 200, eventStream: true, wantStream: true,
		first: []byte("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n")})
}
