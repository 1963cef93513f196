package tokenizer

import (
	"testing"

	"github.com/valyala/fastjson"
)

// loadChat is the load run's request (loadtest/chat.lua): the gateway counts
// a prompt of this size on every request.
var loadChat = []byte(`{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)

// BenchmarkCountChatValueSmall is the gateway's prompt estimate for a short
// chat request, from a body parsed once (CountChatValue).
func BenchmarkCountChatValueSmall(b *testing.B) {
	r, _ := New(Options{})
	encoderFor(b, CL100KBase) // tables built
	v, err := fastjson.ParseBytes(loadChat)
	if err != nil {
		b.Fatal(err)
	}
	c, _ := r.CountChatValue("", v)
	b.ReportAllocs()
	loopWithCPU(b, len(loadChat), func() {
		c, _ = r.CountChatValue("", v)
		sink = c.Tokens
	})
}
