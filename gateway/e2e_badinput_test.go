package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// closedPortURL is a loopback URL nothing listens on.
func closedPortURL(t *testing.T) string {
	ln := listenLoopback(t)
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/v1"
}

func TestBadInput(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	garbageURL, garbage := startSwitchable(t)
	garbage.garbage.Store(true)
	base, _ := startGateway(t, `
server: {max_body_bytes: 4096}
upstreams:
  - {name: mock, kind: openai, base_url: "{{MOCK}}"}
  - {name: dead, kind: openai, base_url: "{{DEAD}}", timeouts: {connect: 200ms}}
  - {name: slow, kind: openai, base_url: "{{MOCK}}", headers: {x-mock-latency-ms: "3000"}, timeouts: {total: 200ms}}
  - {name: garbage, kind: openai, base_url: "{{GARBAGE}}"}
models:
  - {name: mock-gpt, deployments: [{upstream: mock}]}
  - {name: dead-gpt, retry: {attempts: 1}, deployments: [{upstream: dead, model: mock-gpt}]}
  - {name: slow-gpt, retry: {attempts: 1}, deployments: [{upstream: slow, model: mock-gpt}]}
  - {name: garbage-gpt, retry: {attempts: 1}, deployments: [{upstream: garbage, model: mock-gpt}]}
keys: [{id: k, key: sk-good}]
`, map[string]string{"MOCK": mockURL, "DEAD": closedPortURL(t), "GARBAGE": garbageURL})

	f := func(name string, headers map[string]string, body string, wantStatus int, wantCode, wantParam string) {
		t.Helper()
		if _, ok := headers["Authorization"]; !ok {
			headers["Authorization"] = "Bearer sk-good"
		}
		status, h, resp := rawPostHeader(t, base+"/chat/completions", headers, body)
		if status != wantStatus {
			t.Fatalf("%s: status %d, want %d: %s", name, status, wantStatus, resp)
		}
		var e struct {
			Error struct {
				Message string  `json:"message"`
				Type    string  `json:"type"`
				Code    string  `json:"code"`
				Param   *string `json:"param"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(resp), &e); err != nil {
			t.Fatalf("%s: error body is not OpenAI JSON: %s", name, resp)
		}
		if e.Error.Code != wantCode || e.Error.Message == "" || e.Error.Type == "" {
			t.Fatalf("%s: got %+v, want code %s", name, e.Error, wantCode)
		}
		if wantParam != "" && (e.Error.Param == nil || *e.Error.Param != wantParam) {
			t.Fatalf("%s: param %v, want %s", name, e.Error.Param, wantParam)
		}
		if h.Get("X-Request-Id") == "" {
			t.Fatalf("%s: no x-request-id on an error", name)
		}
	}
	h := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	f("invalid JSON", h(), `{"model":`, 400, "invalid_request", "")
	f("not an object", h(), `[1,2]`, 400, "invalid_request", "")
	f("missing model", h(), `{`+msgs+`}`, 400, "invalid_request", "model")
	f("model wrong type", h(), `{"model":7,`+msgs+`}`, 400, "invalid_request", "model")
	f("missing messages", h(), `{"model":"mock-gpt"}`, 400, "invalid_request", "messages")
	f("messages wrong type", h(), `{"model":"mock-gpt","messages":"hi"}`, 400, "invalid_request", "messages")
	f("empty messages", h(), `{"model":"mock-gpt","messages":[]}`, 400, "invalid_request", "messages")
	f("stream wrong type", h(), `{"model":"mock-gpt","stream":"yes",`+msgs+`}`, 400, "invalid_request", "stream")
	f("negative max_tokens", h(), `{"model":"mock-gpt","max_tokens":-1,`+msgs+`}`, 400, "invalid_request", "max_tokens")
	f("absurd max_tokens", h(), `{"model":"mock-gpt","max_tokens":9000000000000,`+msgs+`}`, 400, "invalid_request", "max_tokens")
	f("invalid tags header", h("X-Tollgate-Tags", "env=prod,oops"), `{"model":"mock-gpt",`+msgs+`}`, 400, "invalid_request", "x-tollgate-tags")
	f("unknown model", h(), `{"model":"gpt-9",`+msgs+`}`, 404, "model_not_found", "model")
	f("wrong content type", h("Content-Type", "text/plain"), `{"model":"mock-gpt",`+msgs+`}`, 415, "unsupported_media_type", "")
	f("oversized body", h(), `{"model":"mock-gpt","messages":[{"role":"user","content":"`+strings.Repeat("a", 5000)+`"}]}`, 413, "request_too_large", "")
	f("invalid key", h("Authorization", "Bearer sk-bad"), `{"model":"mock-gpt",`+msgs+`}`, 401, "invalid_api_key", "")
	f("missing key", h("Authorization", ""), `{"model":"mock-gpt",`+msgs+`}`, 401, "invalid_api_key", "")
	f("unreachable upstream", h(), `{"model":"dead-gpt",`+msgs+`}`, 502, "upstream_unreachable", "")
	f("upstream timeout", h(), `{"model":"slow-gpt",`+msgs+`}`, 504, "upstream_timeout", "")
	f("upstream garbage", h(), `{"model":"garbage-gpt",`+msgs+`}`, 502, "upstream_invalid_response", "")
}

func TestUnknownPathAndMethod(t *testing.T) {
	base, _ := basicSetup(t)
	resp, err := http.Get(base + "/chat/completions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 && resp.StatusCode != 401 {
		t.Fatalf("GET chat: %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown path: %d", resp.StatusCode)
	}
}

func TestLargeHeadersAccepted(t *testing.T) {
	base, _ := basicSetup(t)
	status, _, body := rawPostHeader(t, base+"/chat/completions",
		map[string]string{"Authorization": "Bearer sk-acme", "X-Big": strings.Repeat("b", 16<<10)},
		`{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 {
		t.Fatalf("16 KiB header: %d %s", status, body)
	}
}
