package bedrock

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tollgate-ai/tollgate/providers"
)

// TestStreamEventAllocsAreTheSDKs: a translated event allocates no more
// than the SDK's decoder does for its frame alone, and that does not grow
// along the stream (the translation and the reading around it allocate
// nothing).
func TestStreamEventAllocsAreTheSDKs(t *testing.T) {
	frame := encodeEvents(t, []streamEvent{{Event: "contentBlockDelta",
		Payload: json.RawMessage(`{"contentBlockIndex":0,"delta":{"text":" and you should take an umbrella"}}`)}})
	dec := eventstream.NewDecoder()
	var r bytes.Reader
	var buf []byte
	sdk := testing.AllocsPerRun(50, func() {
		r.Reset(frame)
		msg, err := dec.Decode(&r, buf[:0])
		if err != nil {
			t.Fatal(err)
		}
		buf = msg.Payload
	})

	s := testProvider(t).NewStream(bytes.NewReader(bytes.Repeat(frame, 400)),
		&providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true})
	defer s.Close()
	next := func() {
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	early := testing.AllocsPerRun(50, next)
	late := testing.AllocsPerRun(200, next)
	if early > sdk || late > sdk {
		t.Fatalf("allocations per event: %v early, %v late in the stream; the SDK decoder alone: %v", early, late, sdk)
	}
	if sdk == 0 {
		t.Fatal("the SDK decoder allocated nothing: measurement broken")
	}
}
