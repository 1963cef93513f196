package bedrock

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
)

// FuzzStream: any bytes from the upstream end in chunks of valid JSON and
// io.EOF or a *providers.Error (a broken frame is a 502), never a panic.
func FuzzStream(f *testing.F) {
	providertest.AddSeedFiles(f, "stream_*.events.json", func(raw []byte) []byte {
		var events []streamEvent
		if err := json.Unmarshal(raw, &events); err != nil {
			f.Fatal(err)
		}
		return encodeEvents(f, events)
	})
	f.Add([]byte{0, 0, 0, 16, 0, 0, 0, 0})
	p := testProvider(f)
	c := &providers.Call{Endpoint: providers.Chat, Model: "m", Stream: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		providertest.CheckFuzzedStream(t, p.NewStream(bytes.NewReader(data), c), len(data))
	})
}
