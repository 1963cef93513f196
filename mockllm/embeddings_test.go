package mockllm

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

func TestEmbeddings(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.client(nil)
	embed := func(input any, dims int, format openai.EmbeddingEncodingFormat) openai.EmbeddingResponse {
		t.Helper()
		resp, err := c.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{
			Model: ModelEmbed, Input: input, Dimensions: dims, EncodingFormat: format,
		})
		if err != nil {
			t.Fatalf("CreateEmbeddings(%v): %v", input, err)
		}
		return resp
	}
	a := embed([]string{"the cat", "the dog", "the cat"}, 0, "")
	if len(a.Data) != 3 {
		t.Fatalf("%d embeddings, want 3", len(a.Data))
	}
	for i, d := range a.Data {
		if d.Index != i || d.Object != "embedding" || len(d.Embedding) != DefaultDimensions {
			t.Errorf("data[%d]: index %d object %q dims %d", i, d.Index, d.Object, len(d.Embedding))
		}
		if n := norm(d.Embedding); math.Abs(n-1) > 1e-5 {
			t.Errorf("data[%d]: norm %v, want 1", i, n)
		}
	}
	if !equal(a.Data[0].Embedding, a.Data[2].Embedding) || equal(a.Data[0].Embedding, a.Data[1].Embedding) {
		t.Error("want equal inputs to give equal vectors and different inputs different ones")
	}
	if want := 2 + 2 + 2; a.Usage.PromptTokens != want || a.Usage.TotalTokens != want {
		t.Errorf("usage %+v, want %d tokens", a.Usage, want)
	}
	again := embed("the cat", 0, "")
	if !equal(again.Data[0].Embedding, a.Data[0].Embedding) {
		t.Error("string input differs from the same string in an array")
	}
	small := embed("the cat", 64, "")
	if len(small.Data[0].Embedding) != 64 || math.Abs(norm(small.Data[0].Embedding)-1) > 1e-5 {
		t.Errorf("dimensions 64: got %d dims", len(small.Data[0].Embedding))
	}
	b64 := embed("the cat", 0, openai.EmbeddingEncodingFormatBase64)
	if !equal(b64.Data[0].Embedding, a.Data[0].Embedding) {
		t.Error("base64 vector differs from the float vector")
	}
	toks := embed([]int{791, 8415}, 0, "")
	if toks.Usage.PromptTokens != 2 || len(toks.Data[0].Embedding) != DefaultDimensions {
		t.Errorf("token input: usage %+v", toks.Usage)
	}
}

func TestEmbeddingsBadRequests(t *testing.T) {
	ts := startServer(t, Options{})
	f := func(body, wantParam string) {
		t.Helper()
		status, _, raw := ts.post(t, "/v1/embeddings", nil, body)
		var e struct{ Error struct{ Param string } }
		if err := json.Unmarshal(raw, &e); err != nil || status != 400 || e.Error.Param != wantParam {
			t.Errorf("%s: status %d body %s", body, status, raw)
		}
	}
	f(`{"input":"x"}`, "model")
	f(`{"model":"m"}`, "input")
	f(`{"model":"m","input":""}`, "input")
	f(`{"model":"m","input":[]}`, "input")
	f(`{"model":"m","input":[true]}`, "input")
	f(`{"model":"m","input":[[]]}`, "input")
	f(`{"model":"m","input":[-1]}`, "input")
	f(`{"model":"m","input":"x","dimensions":0}`, "dimensions")
	f(`{"model":"m","input":"x","dimensions":5000}`, "dimensions")
	f(`{"model":"m","input":"x","encoding_format":"hex"}`, "encoding_format")
	f(`{"model":"m","input":[`+strings.TrimSuffix(strings.Repeat(`"a",`, 2049), ",")+`]}`, "input")
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
