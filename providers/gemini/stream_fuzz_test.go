package gemini

import (
	"bytes"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
)

// FuzzStream: any bytes from the upstream end in chunks of valid JSON and
// io.EOF or a *providers.Error, never a panic or an endless stream.
func FuzzStream(f *testing.F) {
	providertest.AddSeedFiles(f, "stream_*.sse", nil)
	f.Add([]byte("data: {\"candidates\":[{\"index\":7,\"content\":{\"parts\":[{\"functionCall\":{}}]}}]}\n\n"))
	f.Add([]byte("data: [1,2]\n\ndata: null\n\n"))
	p := testProvider(f)
	c := &providers.Call{Endpoint: providers.Chat, Model: "m", Stream: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		providertest.CheckFuzzedStream(t, p.NewStream(bytes.NewReader(data), c), len(data))
	})
}
