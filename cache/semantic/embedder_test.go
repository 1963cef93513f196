package semantic

import (
	"context"
	"errors"
	"math"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// mockEmbedder returns an OpenAIEmbedder on a fresh in-memory mock LLM with lexical embeddings (opts may change
// that and add latency or errors).
func mockEmbedder(t testing.TB, opts mockllm.Options, eo OpenAIEmbedderOptions) *OpenAIEmbedder {
	t.Helper()
	if opts.Embeddings == "" {
		opts.Embeddings = mockllm.EmbeddingsLexical
	}
	dial, stop := mockllm.StartInMemory(opts)
	t.Cleanup(stop)
	if eo.BaseURL == "" {
		eo.BaseURL = "http://mock/v1"
	}
	if eo.Model == "" {
		eo.Model = mockllm.ModelEmbed
	}
	eo.Dial = func(string) (net.Conn, error) { return dial() }
	e, err := NewOpenAIEmbedder(eo)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOpenAIEmbedder(t *testing.T) {
	e := mockEmbedder(t, mockllm.Options{}, OpenAIEmbedderOptions{APIKey: "sk-secret"})
	ctx := context.Background()
	a, err := e.Embed(ctx, "What is the capital of France?")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.Embed(ctx, "what is the capital of france")
	c, _ := e.Embed(ctx, "How do I bake sourdough bread?")
	if len(a.Vector) != mockllm.DefaultDimensions || a.Tokens == 0 {
		t.Fatalf("%d dims, %d tokens", len(a.Vector), a.Tokens)
	}
	if s := dot(a.Vector, b.Vector); math.Abs(float64(s)-1) > 1e-5 {
		t.Errorf("same words: cosine %v, want 1", s)
	}
	if s := dot(a.Vector, c.Vector); s > 0.3 {
		t.Errorf("unrelated texts: cosine %v", s)
	}
	quoted, err := e.Embed(ctx, "a \"quoted\"\n\ttext \\ with \x01 control")
	if err != nil || len(quoted.Vector) == 0 {
		t.Errorf("text needing JSON escapes: %v", err)
	}

	short := mockEmbedder(t, mockllm.Options{}, OpenAIEmbedderOptions{Dimensions: 64})
	if s, err := short.Embed(ctx, "x"); err != nil || len(s.Vector) != 64 {
		t.Errorf("dimensions 64: %d dims, %v", len(s.Vector), err)
	}
	azure := mockEmbedder(t, mockllm.Options{}, OpenAIEmbedderOptions{BaseURL: "http://res.example", AzureAPIVersion: "2024-10-21", APIKey: "k"})
	if s, err := azure.Embed(ctx, "What is the capital of France?"); err != nil || !equalVec(s.Vector, a.Vector) {
		t.Errorf("azure: %v", err)
	}
}

func TestOpenAIEmbedderFailures(t *testing.T) {
	ctx := context.Background()
	const secret, text = "sk-very-secret", "my private question"
	noSecrets := func(err error) {
		t.Helper()
		if err == nil {
			t.Fatal("want an error")
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), text) {
			t.Errorf("error leaks the key or the text: %v", err)
		}
	}
	slow := mockEmbedder(t, mockllm.Options{Latency: 2 * time.Second}, OpenAIEmbedderOptions{APIKey: secret, Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, err := slow.Embed(ctx, text)
	noSecrets(err)
	if !errors.Is(err, ErrEmbedTimeout) || time.Since(start) > time.Second {
		t.Errorf("slow endpoint: %v after %v, want ErrEmbedTimeout after about 50ms", err, time.Since(start))
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	long := mockEmbedder(t, mockllm.Options{Latency: 2 * time.Second}, OpenAIEmbedderOptions{Timeout: time.Minute})
	if _, err := long.Embed(dctx, text); !errors.Is(err, ErrEmbedTimeout) {
		t.Errorf("context deadline: %v, want ErrEmbedTimeout", err)
	}
	failing := mockEmbedder(t, mockllm.Options{ErrorRate: 1, ErrorStatus: 503}, OpenAIEmbedderOptions{APIKey: secret})
	_, err = failing.Embed(ctx, text)
	noSecrets(err)
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("error status: %v", err)
	}
	refused, _ := NewOpenAIEmbedder(OpenAIEmbedderOptions{BaseURL: "http://x/v1", Model: "m", APIKey: secret,
		Dial: func(string) (net.Conn, error) { return nil, errors.New("connection refused") }})
	_, err = refused.Embed(ctx, text)
	noSecrets(err)
	for _, o := range []OpenAIEmbedderOptions{{BaseURL: "ftp://x", Model: "m"}, {BaseURL: "http://x"}, {Model: "m"}} {
		if _, err := NewOpenAIEmbedder(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestOpenAIEmbedderBadAnswers(t *testing.T) {
	e := &OpenAIEmbedder{}
	for _, body := range []string{`not json`, `{"data":[]}`, `{"data":[{"embedding":["x"]}]}`, `{"data":[{"embedding":[]}]}`} {
		if _, err := e.parse([]byte(body)); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
	got, err := e.parse([]byte(`{"data":[{"embedding":[0.5,-1]}],"usage":{"prompt_tokens":3}}`))
	if err != nil || !equalVec(got.Vector, []float32{0.5, -1}) || got.Tokens != 3 {
		t.Errorf("%+v %v", got, err)
	}
}

// countingEmbedder counts calls to an Embedder and can be switched to fail.
type countingEmbedder struct {
	Embedder
	calls atomic.Int64
	fail  atomic.Bool
}

func (c *countingEmbedder) Embed(ctx context.Context, text string) (Embedding, error) {
	c.calls.Add(1)
	if c.fail.Load() {
		return Embedding{}, errors.New("embedding endpoint down")
	}
	return c.Embedder.Embed(ctx, text)
}

func equalVec(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			return false
		}
	}
	return true
}
