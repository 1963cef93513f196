package anthropic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/valyala/fasthttp"
)

func testProvider() *Provider {
	return New("sk-ant-test", config.AnthropicUpstream{
		MaxTokens:       map[string]int{"claude-test": 1000},
		ThinkingBudgets: config.ThinkingBudgets{Low: 1024, Medium: 4096, High: 16384},
	})
}

// jsonValue decodes b for comparison; created (a clock) is dropped.
func jsonValue(t *testing.T, name string, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, b)
	}
	if m, ok := v.(map[string]any); ok {
		delete(m, "created")
	}
	return v
}

func sameJSON(t *testing.T, name string, got, want []byte) {
	t.Helper()
	if !reflect.DeepEqual(jsonValue(t, name+" (got)", got), jsonValue(t, name+" (want)", want)) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, bytes.Join(bytes.Fields(want), []byte(" ")))
	}
}

// TestGoldenRequests: OpenAI chat requests in, Messages API bodies out,
// with the headers and path the API needs and no client credentials.
func TestGoldenRequests(t *testing.T) {
	p := testProvider()
	providertest.EachGoldenPair(t, "requests/*.openai.json", ".openai.json", ".anthropic.json", func(t *testing.T, name string, in, want []byte) {
		var probe struct{ Stream bool }
		_ = json.Unmarshal(in, &probe)
		req := fasthttp.AcquireRequest()
		req.SetRequestURI("https://api.anthropic.com/")
		c := &providers.Call{Endpoint: providers.Chat, Model: "claude-test", Stream: probe.Stream, Body: in}
		if err := p.PrepareRequest(req, "/base", c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameJSON(t, name, req.Body(), want)
		if string(req.URI().Path()) != "/base/v1/messages" || string(req.Header.Method()) != "POST" ||
			string(req.Header.Peek("x-api-key")) != "sk-ant-test" || string(req.Header.Peek("anthropic-version")) != "2023-06-01" ||
			len(req.Header.Peek("Authorization")) != 0 {
			t.Errorf("%s: request line and headers:\n%s", name, req.Header.String())
		}
		fasthttp.ReleaseRequest(req)
	})
}

// TestRequestRefusals: what the Messages API cannot express is a 400
// naming the field and the provider.
func TestRequestRefusals(t *testing.T) {
	p := testProvider()
	msgs := `"messages":[{"role":"user","content":"x"}]`
	for _, c := range []struct{ body, param string }{
		{`{` + msgs + `,"n":2}`, "n"},
		{`{` + msgs + `,"logprobs":true}`, "logprobs"},
		{`{` + msgs + `,"top_logprobs":2}`, "top_logprobs"},
		{`{` + msgs + `,"presence_penalty":0.5}`, "presence_penalty"},
		{`{` + msgs + `,"frequency_penalty":-1}`, "frequency_penalty"},
		{`{` + msgs + `,"logit_bias":{"50256":-100}}`, "logit_bias"},
		{`{` + msgs + `,"seed":7}`, "seed"},
		{`{` + msgs + `,"temperature":1.5}`, "temperature"},
		{`{` + msgs + `,"response_format":{"type":"json_object"}}`, "response_format"},
		{`{` + msgs + `,"functions":[{"name":"f"}]}`, "functions"},
		{`{` + msgs + `,"audio":{"voice":"alloy"}}`, "audio"},
		{`{` + msgs + `,"reasoning_effort":"extreme"}`, "reasoning_effort"},
		{`{` + msgs + `,"reasoning_effort":"high","max_tokens":500}`, "max_tokens"},
		{`{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}`, "messages[0].content[0].type"},
		{`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,raw"}}]}]}`, "messages[0].content[0].image_url.url"},
		{`{` + msgs + `,"tools":[{"type":"web_search"}]}`, "tools[0].type"},
	} {
		req := fasthttp.AcquireRequest()
		err := p.PrepareRequest(req, "", &providers.Call{Endpoint: providers.Chat, Model: "claude-test", Body: []byte(c.body)})
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Status != 400 || pe.Param != c.param || !strings.Contains(pe.Message, "anthropic") ||
			!strings.Contains(pe.Message, c.param) {
			t.Errorf("%s: %+v, want a 400 naming %s and anthropic", c.body, err, c.param)
		}
		fasthttp.ReleaseRequest(req)
	}
	for _, bad := range []string{`not json`, `[]`, `{}`, `{"messages":[]}`, `{"messages":[{"role":"tool","content":"x"}]}`,
		`{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"a","function":{"name":"f","arguments":"[1]"}}]}]}`} {
		req := fasthttp.AcquireRequest()
		err := p.PrepareRequest(req, "", &providers.Call{Endpoint: providers.Chat, Model: "m", Body: []byte(bad)})
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Status != 400 {
			t.Errorf("%s: %v, want a 400", bad, err)
		}
		fasthttp.ReleaseRequest(req)
	}
	err := p.PrepareRequest(fasthttp.AcquireRequest(), "", &providers.Call{Endpoint: providers.Embeddings, Model: "m", Body: []byte(`{}`)})
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Status != 400 || !strings.Contains(pe.Message, "embeddings") {
		t.Errorf("embeddings: %v", err)
	}
}

// TestGoldenResponses: Messages API answers in, chat.completions out.
func TestGoldenResponses(t *testing.T) {
	p := testProvider()
	providertest.EachGoldenPair(t, "responses/*.anthropic.json", ".anthropic.json", ".openai.json", func(t *testing.T, name string, in, want []byte) {
		got, err := p.TranslateResponse(nil, in, &providers.Call{Endpoint: providers.Chat, Model: "claude-test"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameJSON(t, name, got, want)
	})
	for _, bad := range []string{`<html>`, `{"type":"completion"}`, ``} {
		_, err := p.TranslateResponse(nil, []byte(bad), &providers.Call{})
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Status != 502 {
			t.Errorf("%q: %v, want a 502", bad, err)
		}
	}
}

// TestTranslateError: Anthropic's error answers in OpenAI's terms, with
// the retry verdict the gateway acts on.
func TestTranslateError(t *testing.T) {
	p := testProvider()
	for _, c := range []struct {
		status    int
		typ       string
		want      int
		wantType  string
		retryable bool
	}{
		{400, "invalid_request_error", 400, "invalid_request_error", false},
		{401, "authentication_error", 401, "authentication_error", false},
		{403, "permission_error", 403, "permission_error", false},
		{404, "not_found_error", 404, "invalid_request_error", false},
		{413, "request_too_large", 413, "invalid_request_error", false},
		{429, "rate_limit_error", 429, "rate_limit_error", true},
		{500, "api_error", 502, "upstream_error", true},
		{529, "overloaded_error", 503, "upstream_error", true},
		{503, "", 502, "upstream_error", true},
	} {
		body := `{"type":"error","error":{"type":"` + c.typ + `","message":"details here"}}`
		if c.typ == "" {
			body = "<html>bad gateway</html>"
		}
		e := p.TranslateError(c.status, []byte(body))
		if e.Status != c.want || e.Type != c.wantType || e.Retryable != c.retryable || !strings.HasPrefix(e.Message, "anthropic") {
			t.Errorf("%d %s: %+v", c.status, c.typ, e)
		}
		if c.typ != "" && !strings.Contains(e.Message, "details here") {
			t.Errorf("%d: message %q lost the provider's", c.status, e.Message)
		}
	}
}

// readStream decodes an event stream fully: its chunks, then its end
// ("" for a clean end, else "error: …").
func readStream(p *Provider, r io.Reader) (chunks [][]byte, end string) {
	s := p.NewStream(r, &providers.Call{Endpoint: providers.Chat, Model: "claude-test", Stream: true})
	defer s.Close()
	for i := 0; i < 10000; i++ {
		c, err := s.Next()
		if err != nil {
			var pe *providers.Error
			switch {
			case err == io.EOF:
				return chunks, ""
			case errors.As(err, &pe):
				return chunks, "error: " + strconv.Itoa(pe.Status) + " " + pe.Type
			default:
				return chunks, "error: " + err.Error()
			}
		}
		chunks = append(chunks, append([]byte(nil), c...))
	}
	return chunks, "error: too many chunks"
}

// TestGoldenStreams: event streams in, chunks out one by one.
func TestGoldenStreams(t *testing.T) {
	p := testProvider()
	providertest.EachGoldenPair(t, "streams/*.sse", ".sse", ".chunks", func(t *testing.T, name string, in, wantFile []byte) {
		var want []string
		wantEnd := ""
		sc := bufio.NewScanner(bytes.NewReader(wantFile))
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "error: ") {
				wantEnd = l
			} else if l != "" {
				want = append(want, l)
			}
		}
		// Byte by byte too: events split anywhere by the network.
		for _, r := range []io.Reader{bytes.NewReader(in), &oneByteReader{b: in}} {
			got, end := readStream(p, r)
			if len(got) != len(want) || end != wantEnd {
				t.Errorf("%s: %d chunks ending %q, want %d ending %q", name, len(got), end, len(want), wantEnd)
				for _, g := range got {
					t.Logf("  %s", g)
				}
				continue
			}
			for i := range want {
				sameJSON(t, name+" chunk "+strconv.Itoa(i), got[i], []byte(want[i]))
			}
		}
	})
}

type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0], r.b = r.b[0], r.b[1:]
	return 1, nil
}
