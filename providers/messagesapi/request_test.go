package messagesapi

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestTranslateRequestRefuses(t *testing.T) {
	var p fastjson.Parser
	f := func(body, wantMsg string) {
		t.Helper()
		_, _, e := TranslateRequest(nil, []byte(body), &p, Messages)
		if e == nil || e.Status != 400 || e.Type != TypeInvalidRequest || !strings.Contains(e.Message, wantMsg) {
			t.Fatalf("%s: got %+v, want a 400 mentioning %q", body, e, wantMsg)
		}
	}
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	f(``, "empty")
	f(`{`, "not valid JSON")
	f(`[]`, "JSON object")
	f(`{"max_tokens":5,`+msgs+`}`, "model: Field required")
	f(`{"model":"m",`+msgs+`}`, "max_tokens: Field required")
	f(`{"model":"m","max_tokens":0,`+msgs+`}`, "max_tokens")
	f(`{"model":"m","max_tokens":"5",`+msgs+`}`, "max_tokens")
	f(`{"model":"m","max_tokens":5}`, "messages: Field required")
	f(`{"model":"m","max_tokens":5,"messages":[]}`, "at least one message")
	f(`{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}`, "messages.0.role")
	f(`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}`, "'document'")
	f(`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}`, "image sources")
	f(`{"model":"m","max_tokens":5,`+msgs+`,"tools":[{"type":"web_search_20250305","name":"web_search"}]}`, "server tools")
	f(`{"model":"m","max_tokens":5,`+msgs+`,"tools":[{"name":"t"}]}`, "input_schema")
	f(`{"model":"m","max_tokens":5,`+msgs+`,"tool_choice":{"type":"tool"}}`, "tool_choice.name")
	f(`{"model":"m","max_tokens":5,`+msgs+`,"temperature":1.5}`, "temperature")
	f(`{"model":"m","max_tokens":5,`+msgs+`,"stream":"yes"}`, "stream")
	f(`{"model":"m","max_tokens":5,`+msgs+`,"thinking":{"type":"enabled","budget_tokens":100}}`, "budget_tokens")
	f(`{"model":"m","max_tokens":5,`+msgs+`,"system":[{"type":"image"}]}`, "system.0")
}

func TestTranslateRequestInfo(t *testing.T) {
	var p fastjson.Parser
	_, r, e := TranslateRequest(nil, []byte(`{"model":"claude-x","max_tokens":5,"stream":true,"top_k":3,"messages":[{"role":"user","content":"hi"}]}`), &p, Messages)
	if e != nil || r.Model != "claude-x" || !r.Stream || r.Ignored != "top_k" {
		t.Fatalf("%+v %v", r, e)
	}
	// count_tokens needs no max_tokens and never streams.
	out, r, e := TranslateRequest(nil, []byte(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`), &p, CountTokens)
	if e != nil || r.Stream || strings.Contains(string(out), "stream") || strings.Contains(string(out), "max_tokens") {
		t.Fatalf("%s %+v %v", out, r, e)
	}
}

func TestEffort(t *testing.T) {
	f := func(budget int, want string) {
		t.Helper()
		if got := effort(budget); got != want {
			t.Fatalf("effort(%d) = %s, want %s", budget, got, want)
		}
	}
	f(1024, `"low"`)
	f(4095, `"low"`)
	f(4096, `"medium"`)
	f(16383, `"medium"`)
	f(16384, `"high"`)
}

func TestErrorType(t *testing.T) {
	f := func(status int, want string) {
		t.Helper()
		if got := ErrorType(status); got != want {
			t.Fatalf("ErrorType(%d) = %s, want %s", status, got, want)
		}
	}
	f(400, TypeInvalidRequest)
	f(415, TypeInvalidRequest)
	f(401, TypeAuthentication)
	f(403, TypePermission)
	f(404, TypeNotFound)
	f(413, TypeTooLarge)
	f(429, TypeRateLimit)
	f(500, TypeAPI)
	f(502, TypeAPI)
	f(504, TypeAPI)
	f(503, TypeOverloaded)
	f(529, TypeOverloaded)
}
