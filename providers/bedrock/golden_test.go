package bedrock

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fasthttp"
)

func testProvider(t testing.TB) *Provider {
	p, err := New(Options{Region: "us-east-1", AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"})
	if err != nil {
		t.Fatal(err)
	}
	p.ids = wire.SeededIDs(1)
	p.now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }
	return p
}

const chatModel = "anthropic.claude-3-5-sonnet-20240620-v1:0"

func callFor(base string, body []byte) *providers.Call {
	c := &providers.Call{Endpoint: providers.Chat, Model: chatModel, Body: body, Stream: strings.Contains(base, "stream")}
	switch {
	case strings.Contains(base, "titan"):
		c.Endpoint, c.Model = providers.Embeddings, "amazon.titan-embed-text-v2:0"
	case strings.Contains(base, "cohere"):
		c.Endpoint, c.Model = providers.Embeddings, "cohere.embed-english-v3"
	}
	return c
}

// TestGoldenRequests: request_*.openai.json → request_*.bedrock.json (the
// method, path, signed headers and body).
func TestGoldenRequests(t *testing.T) {
	providertest.EachGolden(t, "request_*.openai.json", ".openai.json", func(t *testing.T, base string, body []byte) {
		var req fasthttp.Request
		req.SetRequestURI("https://bedrock-runtime.us-east-1.amazonaws.com/")
		err := testProvider(t).PrepareRequest(&req, "", callFor(base, body))
		if err != nil {
			providertest.Golden(t, base+".error.json", providertest.ErrorJSON(t, err))
			return
		}
		out := []byte(string(req.Header.Method()) + " " + string(req.URI().RequestURI()) + "\n")
		for _, h := range []string{"Accept", "Content-Type", "X-Amz-Date", "Authorization"} {
			out = append(out, h+": "+string(req.Header.Peek(h))+"\n"...)
		}
		providertest.Golden(t, base+".bedrock.json", append(out, providertest.Indent(t, req.Body())...))
	})
}

// TestGoldenResponses: response_*.bedrock.json → response_*.openai.json;
// error_<status>_*.bedrock.json through TranslateError.
func TestGoldenResponses(t *testing.T) {
	providertest.EachGolden(t, "response_*.bedrock.json", ".bedrock.json", func(t *testing.T, base string, body []byte) {
		p := testProvider(t)
		if i := strings.Index(base, "error_"); i >= 0 {
			status := 0
			for _, c := range base[i+len("error_"):] {
				if c < '0' || c > '9' {
					break
				}
				status = status*10 + int(c-'0')
			}
			providertest.Golden(t, base+".openai.json", providertest.ErrorJSON(t, p.TranslateError(status, body)))
			return
		}
		out, err := p.TranslateResponse(nil, body, callFor(base, []byte(`{}`)))
		if err != nil {
			providertest.Golden(t, base+".openai.json", providertest.ErrorJSON(t, err))
			return
		}
		providertest.Golden(t, base+".openai.json", providertest.Indent(t, out))
	})
}

// streamEvent is one event-stream message of a stream_*.events.json file.
type streamEvent struct {
	Type      string          `json:"type"` // event (default), exception, error
	Event     string          `json:"event"`
	Exception string          `json:"exception"`
	Payload   json.RawMessage `json:"payload"`
	Corrupt   bool            `json:"corrupt"`  // flip a byte: checksum mismatch
	Truncate  int             `json:"truncate"` // drop this many trailing bytes of the frame
}

// encodeEvents frames events with the SDK's encoder, as Bedrock sends them.
func encodeEvents(t testing.TB, events []streamEvent) []byte {
	t.Helper()
	var out bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, e := range events {
		var m eventstream.Message
		typ := e.Type
		if typ == "" {
			typ = "event"
		}
		m.Headers.Set(":message-type", eventstream.StringValue(typ))
		m.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		if typ == "exception" {
			m.Headers.Set(":exception-type", eventstream.StringValue(e.Exception))
		} else {
			m.Headers.Set(":event-type", eventstream.StringValue(e.Event))
		}
		m.Payload = e.Payload
		var frame bytes.Buffer
		if err := enc.Encode(&frame, m); err != nil {
			t.Fatal(err)
		}
		b := frame.Bytes()
		if e.Corrupt {
			b[len(b)-6] ^= 0xff
		}
		out.Write(b[:len(b)-e.Truncate])
	}
	return out.Bytes()
}

// TestGoldenStreams: stream_*.events.json → stream_*.chunks.
func TestGoldenStreams(t *testing.T) {
	providertest.EachGolden(t, "stream_*.events.json", ".events.json", func(t *testing.T, base string, raw []byte) {
		var events []streamEvent
		if err := json.Unmarshal(raw, &events); err != nil {
			t.Fatal(err)
		}
		providertest.Golden(t, base+".chunks", streamLines(t, testProvider(t), encodeEvents(t, events)))
	})
}

func streamLines(t *testing.T, p *Provider, body []byte) []byte {
	t.Helper()
	return providertest.StreamLines(t, p.NewStream(bytes.NewReader(body), &providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true}))
}
