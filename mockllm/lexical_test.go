package mockllm

import (
	"context"
	"math"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// lexicalEmbed embeds inputs through the HTTP API of ts with the given headers.
func lexicalEmbed(t *testing.T, ts *testServer, headers map[string]string, input any, dims int, format openai.EmbeddingEncodingFormat) [][]float32 {
	t.Helper()
	resp, err := ts.client(headers).CreateEmbeddings(context.Background(), openai.EmbeddingRequest{
		Model: ModelEmbed, Input: input, Dimensions: dims, EncodingFormat: format,
	})
	if err != nil {
		t.Fatalf("CreateEmbeddings(%v): %v", input, err)
	}
	out := make([][]float32, len(resp.Data))
	for i, d := range resp.Data {
		out[i] = d.Embedding
	}
	return out
}

func TestLexicalEmbeddings(t *testing.T) {
	ts := startServer(t, Options{Embeddings: EmbeddingsLexical})
	texts := []string{
		"What is the capital of France?",
		"what is the capital of france",      // case and punctuation only
		"What's the capital city of France?", // a paraphrase
		"How do I bake sourdough bread?",     // unrelated
		"Don't stop",
		"dont stop",
		"!!!",
	}
	v := lexicalEmbed(t, ts, nil, texts, 0, "")
	for i, e := range v {
		if len(e) != DefaultDimensions || math.Abs(norm(e)-1) > 1e-5 {
			t.Errorf("%q: %d dims, norm %v", texts[i], len(e), norm(e))
		}
	}
	if !equal(v[0], v[1]) || !equal(v[4], v[5]) {
		t.Error("case, punctuation and apostrophes must not change the vector")
	}
	para, unrelated := dot(v[0], v[2]), dot(v[0], v[3])
	if !(para > 0.5 && para < 0.99) || math.Abs(unrelated) > 0.3 {
		t.Errorf("cosine paraphrase %.3f (want in (0.5, 0.99)), unrelated %.3f (want near 0)", para, unrelated)
	}
	b64 := lexicalEmbed(t, ts, nil, texts, 0, openai.EmbeddingEncodingFormatBase64)
	for i := range v {
		if !equal(v[i], b64[i]) {
			t.Errorf("%q: base64 vector differs from the float vector", texts[i])
		}
	}
	tok := lexicalEmbed(t, ts, nil, [][]int{{1, 2, 3}, {1, 2, 4}}, 0, "")
	if c := dot(tok[0], tok[1]); !(c > 0.4 && c < 0.8) {
		t.Errorf("token inputs [1 2 3] and [1 2 4]: cosine %.3f, want about 3/5", c)
	}
}

// TestLexicalCosineIsSharedFeatures pins the model tests reason with: the cosine of two texts is the share of their
// uni-grams and bi-grams they have in common (exact while no two features share a bucket, so a large dimension).
func TestLexicalCosineIsSharedFeatures(t *testing.T) {
	ts := startServer(t, Options{Embeddings: EmbeddingsLexical})
	v := lexicalEmbed(t, ts, nil, []string{"alpha beta gamma", "alpha beta delta", "Alpha, BETA: gamma."}, 4096, "")
	// {alpha, beta, gamma, alpha beta, beta gamma} against {alpha, beta, delta, alpha beta, beta delta}: 3 of 5.
	if c := dot(v[0], v[1]); math.Abs(c-0.6) > 1e-5 {
		t.Errorf("cosine %.6f, want 0.6", c)
	}
	if c := dot(v[0], v[2]); math.Abs(c-1) > 1e-5 {
		t.Errorf("cosine %.6f, want 1", c)
	}
}

func TestEmbeddingsModeKnob(t *testing.T) {
	random := startServer(t, Options{})
	pair := []string{"reset my password please", "please reset my password"}
	r := lexicalEmbed(t, random, nil, pair, 64, "")
	l := lexicalEmbed(t, random, map[string]string{"x-mock-embeddings": "lexical"}, pair, 64, "")
	if c := dot(r[0], r[1]); c > 0.5 {
		t.Errorf("default mode: cosine %.3f, want unrelated vectors for different texts", c)
	}
	if c := dot(l[0], l[1]); c < 0.5 {
		t.Errorf("x-mock-embeddings: lexical: cosine %.3f, want similar vectors", c)
	}
	lexical := startServer(t, Options{Embeddings: EmbeddingsLexical})
	back := lexicalEmbed(t, lexical, map[string]string{"x-mock-embeddings": "random"}, pair, 64, "")
	if !equal(back[0], r[0]) {
		t.Error("x-mock-embeddings: random must give the default mode's vectors")
	}
	status, _, _ := lexical.post(t, "/v1/embeddings", map[string]string{"x-mock-embeddings": "semantic"},
		`{"model":"m","input":"x"}`)
	if status != 400 {
		t.Errorf("unknown mode: status %d, want 400", status)
	}
	if err := (Options{Embeddings: "semantic"}).Validate(); err == nil {
		t.Error("Validate accepted an unknown embeddings mode")
	}
}
