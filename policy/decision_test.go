package policy

import (
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestParseDecision(t *testing.T) {
	f := func(rego string, want Decision) {
		t.Helper()
		var d Decision
		if err := parseDecision(ast.MustParseTerm(rego).Value, &d); err != nil {
			t.Fatalf("%s: %v", rego, err)
		}
		if !reflect.DeepEqual(d, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", rego, d, want)
		}
	}
	f(`{"allow": true}`, Decision{Allow: true, CacheTTLSeconds: -1})
	f(`{"allow": true, "unknown": [1, 2], "reasons": []}`, Decision{Allow: true, CacheTTLSeconds: -1})
	f(`{"allow": false, "reasons": [{"code": "budget_exceeded", "message": "m"}], "cache_ttl_s": -1}`,
		Decision{Reasons: []Reason{{Code: "budget_exceeded", Message: "m"}}, CacheTTLSeconds: -1})
	f(`{"allow": false, "reasons": {{"code": "a"}}}`, Decision{Reasons: []Reason{{Code: "a"}}, CacheTTLSeconds: -1})
	f(`{"allow": true, "redact": ["email", "phone"], "model": "gpt-4o-mini", "max_tokens": 256,
	    "cache_ttl_s": 0, "tags": {"team": "r"}, "sample_rate": 0.25, "headers": {"x-a": "b"}}`,
		Decision{Allow: true, Redact: []string{"email", "phone"}, Model: "gpt-4o-mini", MaxTokens: 256,
			Tags: map[string]string{"team": "r"}, SampleRate: 0.25, HasSampleRate: true, Headers: map[string]string{"x-a": "b"}})
	f(`{"allow": true, "model": "", "max_tokens": 0, "tags": {}, "headers": {}, "redact": []}`,
		Decision{Allow: true, CacheTTLSeconds: -1})
	// Collections the gateway reduces: sets sorted, smallest cap, highest priority.
	f(`{"allow": false, "reasons": {{"code": "b", "message": "2"}, {"code": "a", "message": "1"}}, "redact": {"phone", "email"},
	    "model": {[10, "cheap"], [20, "fallback"]}, "max_tokens": {4096, 1024}, "cache_ttl_s": [600, 60]}`,
		Decision{Reasons: []Reason{{"a", "1"}, {"b", "2"}}, Redact: []string{"email", "phone"}, Model: "fallback",
			MaxTokens: 1024, CacheTTLSeconds: 60})
	f(`{"allow": true, "reasons": set(), "redact": set(), "model": set(), "max_tokens": set(), "cache_ttl_s": set()}`,
		Decision{Allow: true, CacheTTLSeconds: -1})
	f(`{"allow": true, "reasons": [{"code": "z"}, {"code": "a"}]}`, // an array keeps the policy's order
		Decision{Allow: true, Reasons: []Reason{{Code: "z"}, {Code: "a"}}, CacheTTLSeconds: -1})
}

func TestParseDecisionErrors(t *testing.T) {
	f := func(rego, wantErr string) {
		t.Helper()
		var d Decision
		err := parseDecision(ast.MustParseTerm(rego).Value, &d)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%s: got %v, want error containing %q", rego, err, wantErr)
		}
	}
	f(`"allow"`, "(root): want object, got string")
	f(`[true]`, "(root): want object, got array")
	f(`{}`, "allow is missing")
	f(`{"allow": "yes"}`, "allow: want boolean, got string")
	f(`{"allow": true, "max_tokens": "ten"}`, "max_tokens: want non-negative integer or a collection of them, got string")
	f(`{"allow": true, "max_tokens": 1.5}`, "max_tokens: want non-negative integer")
	f(`{"allow": true, "max_tokens": -3}`, "max_tokens: want non-negative integer")
	f(`{"allow": true, "cache_ttl_s": "1h"}`, "cache_ttl_s: want non-negative integer")
	f(`{"allow": true, "reasons": "nope"}`, "reasons: want array or set")
	f(`{"allow": true, "reasons": ["nope"]}`, "reasons[]: want object")
	f(`{"allow": true, "reasons": [{"message": "no code"}]}`, "code is missing")
	f(`{"allow": true, "reasons": [{"code": 7}]}`, "reasons[].code: want string")
	f(`{"allow": true, "redact": [1]}`, "redact[]: want string")
	f(`{"allow": true, "model": 4}`, "model: want string or [priority, model] pairs, got number")
	f(`{"allow": true, "model": [["10", "x"]]}`, "model[][0]: want number")
	f(`{"allow": true, "model": [[10, 5]]}`, "model[][1]: want string")
	f(`{"allow": true, "model": ["x"]}`, "model: want string or [priority, model] pairs, got string")
	f(`{"allow": true, "max_tokens": {1, "x"}}`, "max_tokens[]: want non-negative integer, got string")
	f(`{"allow": true, "tags": {"a": 1}}`, "tags: want object of strings")
	f(`{"allow": true, "headers": ["x"]}`, "headers: want object of strings")
	f(`{"allow": true, "sample_rate": 2}`, "sample_rate: want number in [0,1]")
}
