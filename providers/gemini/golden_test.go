package gemini

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fasthttp"
)

// testProvider is deterministic: fixed clock and id salt.
func testProvider(t testing.TB) *Provider {
	p, err := New(Options{APIKey: "test-key"})
	if err != nil {
		t.Fatal(err)
	}
	p.ids = wire.SeededIDs(1)
	p.now = func() time.Time { return time.Unix(1700000000, 0) }
	return p
}

// TestGoldenRequests: testdata/request_*.json (OpenAI) → request_*.gemini.json.
func TestGoldenRequests(t *testing.T) {
	providertest.EachGolden(t, "request_*.openai.json", ".openai.json", func(t *testing.T, base string, body []byte) {
		c := &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Body: body}
		if strings.Contains(base, "embed") {
			c.Endpoint, c.Model = providers.Embeddings, "gemini-embedding-001"
		}
		c.Stream = strings.Contains(base, "stream")
		var req fasthttp.Request
		req.SetRequestURI("https://generativelanguage.googleapis.com/")
		err := testProvider(t).PrepareRequest(&req, "", c)
		if err != nil {
			providertest.Golden(t, base+".error.json", providertest.ErrorJSON(t, err))
			return
		}
		if got := string(req.Header.Peek("x-goog-api-key")); got != "test-key" {
			t.Fatalf("x-goog-api-key %q", got)
		}
		out := []byte(string(req.Header.Method()) + " " + string(req.URI().RequestURI()) + "\n")
		providertest.Golden(t, base+".gemini.json", append(out, providertest.Indent(t, req.Body())...))
	})
}

// TestGoldenResponses: testdata/response_*.gemini.json → response_*.openai.json.
func TestGoldenResponses(t *testing.T) {
	providertest.EachGolden(t, "response_*.gemini.json", ".gemini.json", func(t *testing.T, base string, body []byte) {
		c := &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Body: []byte(`{}`)}
		if strings.Contains(base, "embed") {
			c.Endpoint, c.Model = providers.Embeddings, "gemini-embedding-001"
		}
		p := testProvider(t)
		if strings.Contains(base, "error") {
			providertest.Golden(t, base+".openai.json", providertest.ErrorJSON(t, p.TranslateError(statusOf(base), body)))
			return
		}
		out, err := p.TranslateResponse(nil, body, c)
		if err != nil {
			providertest.Golden(t, base+".openai.json", providertest.ErrorJSON(t, err))
			return
		}
		providertest.Golden(t, base+".openai.json", providertest.Indent(t, out))
	})
}

func statusOf(base string) int {
	switch {
	case strings.Contains(base, "429"):
		return 429
	case strings.Contains(base, "503"):
		return 503
	case strings.Contains(base, "404"):
		return 404
	}
	return 400
}

// TestGoldenStreams: testdata/stream_*.sse → stream_*.chunks (one chunk a
// line; an error ends the file as "error: {…}").
func TestGoldenStreams(t *testing.T) {
	providertest.EachGolden(t, "stream_*.sse", ".sse", func(t *testing.T, base string, body []byte) {
		providertest.Golden(t, base+".chunks", streamLines(t, testProvider(t), body))
	})
}

func streamLines(t *testing.T, p *Provider, body []byte) []byte {
	t.Helper()
	return providertest.StreamLines(t, p.NewStream(bytes.NewReader(body), &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Stream: true}))
}
