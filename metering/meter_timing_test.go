package metering

import "testing"

// BenchmarkObserveEvent: the per-event metering scan over a typical content
// chunk (OpenAI sends "usage":null and "finish_reason":null on each).
func BenchmarkObserveEvent(b *testing.B) {
	ev := []byte(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hello there, "},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n")
	b.ReportAllocs()
	m := &Meter{outText: make([]byte, 0, 1<<20)}
	for i := 0; i < b.N; i++ {
		if len(m.outText) > 1<<19 {
			m.outText = m.outText[:0]
		}
		m.ObserveEvent(ev)
	}
}
