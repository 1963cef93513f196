package anthropic

import (
	"os"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
)

func callFor(body []byte) *providers.Call {
	return &providers.Call{Endpoint: providers.Chat, Model: "claude-test", Body: body}
}

// BenchmarkTranslateRequest: an OpenAI chat request (system, a short
// conversation, a tool) to a Messages API body. Goal: under 10 µs.
func BenchmarkTranslateRequest(b *testing.B) {
	p := testProvider()
	body, err := os.ReadFile("testdata/requests/tools.openai.json")
	if err != nil {
		b.Fatal(err)
	}
	c := callFor(body)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	cpu := providertest.CPUTime()
	for b.Loop() {
		if dst, err = p.translateRequest(dst[:0], c); err != nil {
			b.Fatal(err)
		}
	}
	providertest.ReportCPU(b, cpu)
}

// BenchmarkTranslateResponse: a Messages answer with text and tool calls
// to a chat.completion.
func BenchmarkTranslateResponse(b *testing.B) {
	p := testProvider()
	body, err := os.ReadFile("testdata/responses/tool_use.anthropic.json")
	if err != nil {
		b.Fatal(err)
	}
	c := callFor(nil)
	providertest.BenchTranslateResponse(b, p, make([]byte, 0, 4096), body, c)
}

// BenchmarkStreamEvent: one text_delta event to one chunk, the steady
// state of a stream. Goal: under 2 µs and no allocation per event.
func BenchmarkStreamEvent(b *testing.B) {
	p := testProvider()
	start := []byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\",\"content\":[],\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n")
	delta := []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" quick brown fox\"}}\n\n")
	r := &repeatReader{head: start, unit: delta}
	s := p.NewStream(r, callFor(nil))
	defer s.Close()
	if _, err := s.Next(); err != nil { // the first chunk carries the role
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(delta)))
	cpu := providertest.CPUTime()
	for b.Loop() {
		c, err := s.Next()
		if err != nil || len(c) == 0 {
			b.Fatal(err)
		}
	}
	providertest.ReportCPU(b, cpu)
}

// repeatReader reads head, then unit forever.
type repeatReader struct {
	head, unit []byte
	off        int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if len(r.head) > 0 {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.unit[r.off:])
		n += c
		r.off = (r.off + c) % len(r.unit)
	}
	return n, nil
}
