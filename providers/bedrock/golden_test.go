package bedrock

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fasthttp"
)

var update = flag.Bool("update", false, "rewrite the golden files' want sides")

func testProvider(t testing.TB) *Provider {
	p, err := New(Options{Region: "us-east-1", AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"})
	if err != nil {
		t.Fatal(err)
	}
	p.ids = wire.SeededIDs(1)
	p.now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatalf("%s:\ngot  %s\nwant %s", name, got, want)
	}
}

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func errorJSON(t *testing.T, err error) []byte {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *providers.Error", err)
	}
	b, _ := json.MarshalIndent(pe, "", "  ")
	return append(b, '\n')
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
	files, _ := filepath.Glob("testdata/request_*.openai.json")
	if len(files) == 0 {
		t.Fatal("no golden requests")
	}
	for _, in := range files {
		base := strings.TrimSuffix(filepath.Base(in), ".openai.json")
		t.Run(base, func(t *testing.T) {
			body, _ := os.ReadFile(in)
			var req fasthttp.Request
			req.SetRequestURI("https://bedrock-runtime.us-east-1.amazonaws.com/")
			err := testProvider(t).PrepareRequest(&req, "", callFor(base, body))
			if err != nil {
				golden(t, base+".error.json", errorJSON(t, err))
				return
			}
			out := []byte(string(req.Header.Method()) + " " + string(req.URI().RequestURI()) + "\n")
			for _, h := range []string{"Accept", "Content-Type", "X-Amz-Date", "Authorization"} {
				out = append(out, h+": "+string(req.Header.Peek(h))+"\n"...)
			}
			golden(t, base+".bedrock.json", append(out, indent(t, req.Body())...))
		})
	}
}

// TestGoldenResponses: response_*.bedrock.json → response_*.openai.json;
// error_<status>_*.bedrock.json through TranslateError.
func TestGoldenResponses(t *testing.T) {
	files, _ := filepath.Glob("testdata/response_*.bedrock.json")
	if len(files) == 0 {
		t.Fatal("no golden responses")
	}
	for _, in := range files {
		base := strings.TrimSuffix(filepath.Base(in), ".bedrock.json")
		t.Run(base, func(t *testing.T) {
			body, _ := os.ReadFile(in)
			p := testProvider(t)
			if i := strings.Index(base, "error_"); i >= 0 {
				status := 0
				for _, c := range base[i+len("error_"):] {
					if c < '0' || c > '9' {
						break
					}
					status = status*10 + int(c-'0')
				}
				golden(t, base+".openai.json", errorJSON(t, p.TranslateError(status, body)))
				return
			}
			out, err := p.TranslateResponse(nil, body, callFor(base, []byte(`{}`)))
			if err != nil {
				golden(t, base+".openai.json", errorJSON(t, err))
				return
			}
			golden(t, base+".openai.json", indent(t, out))
		})
	}
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
	files, _ := filepath.Glob("testdata/stream_*.events.json")
	if len(files) == 0 {
		t.Fatal("no golden streams")
	}
	for _, in := range files {
		base := strings.TrimSuffix(filepath.Base(in), ".events.json")
		t.Run(base, func(t *testing.T) {
			raw, _ := os.ReadFile(in)
			var events []streamEvent
			if err := json.Unmarshal(raw, &events); err != nil {
				t.Fatal(err)
			}
			golden(t, base+".chunks", streamLines(t, testProvider(t), encodeEvents(t, events)))
		})
	}
}

func streamLines(t *testing.T, p *Provider, body []byte) []byte {
	t.Helper()
	s := p.NewStream(bytes.NewReader(body), &providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true})
	defer s.Close()
	var out []byte
	for i := 0; i < 10000; i++ {
		chunk, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("stream error %v is not a *providers.Error", err)
			}
			b, _ := json.Marshal(pe)
			return append(append(append(out, "error: "...), b...), '\n')
		}
		if !json.Valid(chunk) {
			t.Fatalf("invalid chunk %s", chunk)
		}
		out = append(append(out, chunk...), '\n')
	}
	t.Fatal("stream did not end")
	return nil
}
