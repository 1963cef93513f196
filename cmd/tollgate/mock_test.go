package main

import (
	"encoding/json"
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/tollgate-ai/tollgate/config"
)

// TestStartMockLexicalEmbeddings: mock.embeddings reaches the in-process mock.
func TestStartMockLexicalEmbeddings(t *testing.T) {
	cosine := func(embeddings string) float64 {
		dial, stop := startMock(config.MockUpstream{Embeddings: embeddings})
		defer stop()
		c := &fasthttp.Client{Dial: func(string) (net.Conn, error) { return dial() }}
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI("http://mock/v1/embeddings")
		req.Header.SetMethod(fasthttp.MethodPost)
		req.SetBodyString(`{"model":"mock-embed","input":["reset my password please","please reset my password"]}`)
		if err := c.Do(req, resp); err != nil || resp.StatusCode() != 200 {
			t.Fatalf("embeddings: %v, status %d", err, resp.StatusCode())
		}
		var out struct {
			Data []struct{ Embedding []float64 }
		}
		if err := json.Unmarshal(resp.Body(), &out); err != nil || len(out.Data) != 2 {
			t.Fatalf("embeddings answer: %v", err)
		}
		var dot float64
		for i, x := range out.Data[0].Embedding {
			dot += x * out.Data[1].Embedding[i]
		}
		return dot
	}
	if c := cosine("lexical"); c < 0.5 {
		t.Errorf("lexical: cosine %.3f of two similar texts, want similar vectors", c)
	}
	if c := cosine(""); c > 0.5 {
		t.Errorf("default: cosine %.3f, want unrelated vectors", c)
	}
}
