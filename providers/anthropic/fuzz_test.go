package anthropic

import (
	"bytes"
	"testing"

	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/valyala/fastjson"
)

// FuzzAnthropicStream: any bytes from an upstream end the stream with
// chunks of valid JSON and an error or a clean end, never a panic or a
// loop.
func FuzzAnthropicStream(f *testing.F) {
	providertest.AddSeedFiles(f, "streams/*.sse", nil)
	f.Add([]byte("data: {\"type\":\"content_block_delta\",\"index\":-1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"x\"}}\n\n"))
	f.Add([]byte("data: {\"type\":\"content_block_start\",\"index\":99999,\"content_block\":{\"type\":\"tool_use\"}}\n\n"))
	f.Add([]byte("data: null\n\ndata: []\n\ndata: {\"type\":1}\n\n"))
	p := testProvider()
	f.Fuzz(func(t *testing.T, in []byte) {
		chunks, end := readStream(p, bytes.NewReader(in))
		if end == "error: too many chunks" {
			t.Fatal("the stream did not end")
		}
		for _, c := range chunks {
			if err := fastjson.ValidateBytes(c); err != nil {
				t.Fatalf("chunk is not JSON: %v\n%s", err, c)
			}
		}
	})
}

// FuzzAnthropicRequest: any OpenAI-shaped body translates to valid JSON or
// is refused, never a panic.
func FuzzAnthropicRequest(f *testing.F) {
	providertest.AddSeedFiles(f, "requests/*.openai.json", nil)
	p := testProvider()
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := p.translateRequest(nil, callFor(in))
		if err == nil && fastjson.ValidateBytes(out) != nil {
			t.Fatalf("not JSON: %s", out)
		}
	})
}
