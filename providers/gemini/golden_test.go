package gemini

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

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fasthttp"
)

var update = flag.Bool("update", false, "rewrite the golden files' want sides")

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

// golden compares got with testdata/name, or writes it with -update.
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

// TestGoldenRequests: testdata/request_*.json (OpenAI) → request_*.gemini.json.
func TestGoldenRequests(t *testing.T) {
	files, _ := filepath.Glob("testdata/request_*.openai.json")
	if len(files) == 0 {
		t.Fatal("no golden requests")
	}
	for _, in := range files {
		base := strings.TrimSuffix(filepath.Base(in), ".openai.json")
		t.Run(base, func(t *testing.T) {
			body, _ := os.ReadFile(in)
			c := &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Body: body}
			if strings.Contains(base, "embed") {
				c.Endpoint, c.Model = providers.Embeddings, "gemini-embedding-001"
			}
			c.Stream = strings.Contains(base, "stream")
			var req fasthttp.Request
			req.SetRequestURI("https://generativelanguage.googleapis.com/")
			err := testProvider(t).PrepareRequest(&req, "", c)
			if err != nil {
				golden(t, base+".error.json", errorJSON(t, err))
				return
			}
			if got := string(req.Header.Peek("x-goog-api-key")); got != "test-key" {
				t.Fatalf("x-goog-api-key %q", got)
			}
			out := []byte(string(req.Header.Method()) + " " + string(req.URI().RequestURI()) + "\n")
			golden(t, base+".gemini.json", append(out, indent(t, req.Body())...))
		})
	}
}

// TestGoldenResponses: testdata/response_*.gemini.json → response_*.openai.json.
func TestGoldenResponses(t *testing.T) {
	files, _ := filepath.Glob("testdata/response_*.gemini.json")
	if len(files) == 0 {
		t.Fatal("no golden responses")
	}
	for _, in := range files {
		base := strings.TrimSuffix(filepath.Base(in), ".gemini.json")
		t.Run(base, func(t *testing.T) {
			body, _ := os.ReadFile(in)
			c := &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Body: []byte(`{}`)}
			if strings.Contains(base, "embed") {
				c.Endpoint, c.Model = providers.Embeddings, "gemini-embedding-001"
			}
			p := testProvider(t)
			if strings.Contains(base, "error") {
				golden(t, base+".openai.json", errorJSON(t, p.TranslateError(statusOf(base), body)))
				return
			}
			out, err := p.TranslateResponse(nil, body, c)
			if err != nil {
				golden(t, base+".openai.json", errorJSON(t, err))
				return
			}
			golden(t, base+".openai.json", indent(t, out))
		})
	}
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
	files, _ := filepath.Glob("testdata/stream_*.sse")
	if len(files) == 0 {
		t.Fatal("no golden streams")
	}
	for _, in := range files {
		base := strings.TrimSuffix(filepath.Base(in), ".sse")
		t.Run(base, func(t *testing.T) {
			body, _ := os.ReadFile(in)
			golden(t, base+".chunks", streamLines(t, testProvider(t), body))
		})
	}
}

func streamLines(t *testing.T, p *Provider, body []byte) []byte {
	t.Helper()
	s := p.NewStream(bytes.NewReader(body), &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Stream: true})
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
