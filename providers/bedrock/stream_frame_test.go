package bedrock

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tollgate-ai/tollgate/providers"
)

// frameEvents: a text delta larger than the stream's read buffer (decoded
// straight from it) between frames that fit (decoded from a peeked copy).
func frameEvents(t *testing.T) ([]byte, string) {
	big := strings.Repeat("umbrella ", 4000) // 36 000 bytes > 16 KiB
	text, _ := json.Marshal(map[string]any{"contentBlockIndex": 0, "delta": map[string]string{"text": big}})
	return encodeEvents(t, []streamEvent{
		{Event: "messageStart", Payload: json.RawMessage(`{"role":"assistant"}`)},
		{Event: "contentBlockDelta", Payload: json.RawMessage(`{"contentBlockIndex":0,"delta":{"text":"Take "}}`)},
		{Event: "contentBlockDelta", Payload: text},
		{Event: "contentBlockDelta", Payload: json.RawMessage(`{"contentBlockIndex":0,"delta":{"text":"."}}`)},
		{Event: "messageStop", Payload: json.RawMessage(`{"stopReason":"end_turn"}`)},
	}), big
}

// TestStreamFrameSizesAndReads: frames larger and smaller than the read
// buffer, delivered whole or one byte per read, give the same chunks.
func TestStreamFrameSizesAndReads(t *testing.T) {
	body, big := frameEvents(t)
	p := testProvider(t)
	whole := streamLines(t, p, body)
	if !bytes.Contains(whole, []byte(`"content":"Take "`)) || !bytes.Contains(whole, []byte(big)) ||
		!bytes.Contains(whole, []byte(`"finish_reason":"stop"`)) || bytes.Contains(whole, []byte("error:")) {
		t.Fatalf("chunks miss an event:\n%.400s", whole)
	}
	p = testProvider(t)
	s := p.NewStream(iotest.OneByteReader(bytes.NewReader(body)), &providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true})
	defer s.Close()
	var bytewise []byte
	for {
		chunk, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("one byte per read: %v", err)
		}
		bytewise = append(append(bytewise, chunk...), '\n')
	}
	if !bytes.Equal(whole, bytewise) {
		t.Fatal("one byte per read gives other chunks than whole reads")
	}
}

// TestStreamFrameCutOrBroken: a frame cut short (small or large) is a 502;
// a read error inside a frame is that error, not a malformed answer.
func TestStreamFrameCutOrBroken(t *testing.T) {
	body, _ := frameEvents(t)
	for _, cut := range []int{2, 30, len(body) / 2, len(body) - 3} {
		s := testProvider(t).NewStream(bytes.NewReader(body[:cut]), &providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true})
		err := drain(s)
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Status != 502 {
			t.Errorf("cut at %d of %d: %v, want a 502", cut, len(body), err)
		}
		s.Close()
	}
	netErr := errors.New("connection reset")
	for _, cut := range []int{30, len(body) / 2} {
		r := io.MultiReader(bytes.NewReader(body[:cut]), iotest.ErrReader(netErr))
		s := testProvider(t).NewStream(r, &providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true})
		if err := drain(s); !errors.Is(err, netErr) {
			t.Errorf("read error at %d: %v, want %v", cut, err, netErr)
		}
		s.Close()
	}
}

func drain(s providers.Stream) error {
	for i := 0; i < 100; i++ {
		if _, err := s.Next(); err != nil {
			return err
		}
	}
	return errors.New("stream did not end")
}
