package gateway_test

import (
	"encoding/json"
	"testing"
)

// TestDuplicateKeysNeverReachUpstream: the gateway reads the first of two
// equal keys and the upstream the last, so a repeated key (plain or
// escaped) would let a key allowed only `cheap` be served gpt-4o, billed as
// cheap, or slip max_tokens and n past the policy and the reservation.
// Each is a 400 naming the key, and the upstream receives nothing.
func TestDuplicateKeysNeverReachUpstream(t *testing.T) {
	url, sw := startSwitchable(t)
	base, _ := startGateway(t, `
upstreams: [{name: up, kind: openai, base_url: "{{U}}"}]
models:
  - {name: cheap, deployments: [{upstream: up, model: mock-gpt}]}
  - {name: gpt-4o, deployments: [{upstream: up, model: mock-gpt}]}
keys: [{id: k-cheap, key: sk-cheap, models: [cheap]}]
`, map[string]string{"U": url})
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	for _, c := range []struct{ body, param string }{
		{`{"model":"cheap","model":"gpt-4o",` + msgs + `}`, "model"},
		{`{"model":"cheap","\u006dodel":"gpt-4o",` + msgs + `}`, "model"},
		{`{"model":"cheap","max_tokens":5,"max_tokens":100000,` + msgs + `}`, "max_tokens"},
		{`{"model":"cheap","n":1,"n":50,` + msgs + `}`, "n"},
		{`{"model":"cheap","messages":[{"role":"user","content":"fine","content":"hidden"}]}`, "messages[0].content"},
		{`{"model":"cheap","messages":[{"role":"user","content":[{"type":"text","text":"a","t\u0065xt":"b"}]}]}`, "messages[0].content[0].text"},
		{`{"model":"cheap",` + msgs + `,"tools":[{"type":"function","function":{"name":"a","name":"b"}}]}`, "tools[0].function.name"},
		{`{"model":"cheap",` + msgs + `,"\model":"gpt-4o"}`, ""},
	} {
		status, _, resp := rawPost(t, base+"/chat/completions", "sk-cheap", c.body)
		var e struct {
			Error struct {
				Type  string  `json:"type"`
				Param *string `json:"param"`
			} `json:"error"`
		}
		_ = json.Unmarshal([]byte(resp), &e)
		if status != 400 || e.Error.Type != "invalid_request_error" {
			t.Fatalf("%s: %d %s, want a 400 invalid_request_error", c.body, status, resp)
		}
		if c.param != "" && (e.Error.Param == nil || *e.Error.Param != c.param) {
			t.Fatalf("%s: param %v, want %s: %s", c.body, e.Error.Param, c.param, resp)
		}
	}
	if n := sw.hits.Load(); n != 0 {
		t.Fatalf("the upstream received %d requests with duplicate keys", n)
	}

	// Escapes in keys and values read as their text: the escaped model key
	// is the one rewritten for the deployment, and the allowlist applies
	// to the unescaped name.
	status, _, resp := rawPost(t, base+"/chat/completions", "sk-cheap", `{"\u006dodel":"ch\u0065ap",`+msgs+`}`)
	if status != 200 {
		t.Fatalf("escaped model key: %d %s", status, resp)
	}
	var up map[string]any
	if err := json.Unmarshal(sw.lastReq.Load().body, &up); err != nil || up["model"] != "mock-gpt" {
		t.Fatalf("upstream read model %v from %s", up["model"], sw.lastReq.Load().body)
	}
	status, _, resp = rawPost(t, base+"/chat/completions", "sk-cheap", `{"model":"gpt\u002d4o",`+msgs+`}`)
	if status != 403 {
		t.Fatalf("escaped gpt-4o for a cheap-only key: %d %s", status, resp)
	}
}
