package gateway_test

import (
	"testing"

	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
)

// BenchmarkTranslatedProxy compares, in one run, the same loopback mockllm
// behind an openai-kind upstream and behind an anthropic-kind one (its
// Messages API): the difference is the translation's cost per request and
// per streamed answer (16 words, so 16 translated events), mock included.
func BenchmarkTranslatedProxy(b *testing.B) {
	url, _ := startMock(b, mockllm.Options{MaxTokens: 16})
	base, _ := startGateway(b, `
upstreams:
  - {name: oai, kind: openai, base_url: "{{U}}/v1"}
  - {name: ant, kind: anthropic, base_url: "{{U}}", api_key: k}
models:
  - {name: via-openai, deployments: [{upstream: oai, model: mock-gpt}]}
  - {name: via-anthropic, deployments: [{upstream: ant, model: mock-gpt}]}
`, map[string]string{"U": url[:len(url)-len("/v1")]})
	c := &fasthttp.HostClient{Addr: base[len("http://") : len(base)-len("/v1")], MaxConns: 64}
	body := func(model string, stream bool) []byte {
		s := `{"model":"` + model + `","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`
		if stream {
			s = `{"stream":true,` + s[1:]
		}
		return []byte(s)
	}
	for _, m := range []string{"via-openai", "via-anthropic"} {
		b.Run(m+"/chat", func(b *testing.B) { benchPostTo(b, c, base+"/chat/completions", body(m, false), false) })
		b.Run(m+"/stream", func(b *testing.B) { benchPostTo(b, c, base+"/chat/completions", body(m, true), true) })
	}
}

func benchPostTo(b *testing.B, c *fasthttp.HostClient, url string, body []byte, stream bool) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			req.Reset()
			req.Header.SetMethod("POST")
			req.SetRequestURI(url)
			req.Header.SetContentType("application/json")
			req.SetBodyRaw(body)
			if err := c.Do(req, resp); err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode() != 200 || stream && !containsDone(resp.Body()) {
				b.Fatalf("status %d: %s", resp.StatusCode(), resp.Body())
			}
		}
	})
}

func containsDone(b []byte) bool {
	return len(b) >= 14 && string(b[len(b)-14:]) == "data: [DONE]\n\n"
}
