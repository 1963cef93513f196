package gateway_test

import (
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// The filters and the cache together: an answer an output filter found
// something in is served but never stored for the next requester, and the
// output filtering in force is part of the key, so two keys with different
// output actions never share an entry. Injection is judged on requests
// only by default.
func TestFiltersAndCache(t *testing.T) {
	base, _, up := filtersGatewayOn(t, `
models: [{name: m, deployments: [{upstream: u, model: m}]}]
keys:
  - {id: k1, key: sk-k1, tenant: acme}
  - {id: k2, key: sk-k2, tenant: acme}
cache: {enabled: true}
filters:
  enabled: true
  input: {default: allow}
  output: {default: flag}
  overrides:
    - {key: k2, output: {pii.email: redact}}
`, nil)
	req := func(prompt string) openai.ChatCompletionRequest {
		r := chatReq("m", prompt)
		seed := 7 // deterministic: cacheable by default (go-openai leaves out a zero temperature)
		r.Seed = &seed
		return r
	}
	calls := func() int { return len(up.received()) }

	flagged := req("write to jane.doe@example.com about the invoice")
	for i, want := range []string{"miss", "miss"} {
		got, result := cachedChat(t, base, "sk-k1", flagged)
		if result != want || got == "" {
			t.Fatalf("flagged request %d: x-tollgate-cache %q (want %q), answer %q", i, result, want, got)
		}
	}
	if calls() != 2 {
		t.Fatalf("%d upstream calls for a flagged answer asked twice, want 2 (never stored)", calls())
	}

	clean := req("what is the capital of France")
	for i, step := range []struct{ key, want string }{{"sk-k1", "miss"}, {"sk-k1", "hit"}, {"sk-k2", "miss"}, {"sk-k2", "hit"}} {
		if _, result := cachedChat(t, base, step.key, clean); result != step.want {
			t.Fatalf("clean request %d with %s: x-tollgate-cache %q, want %q", i, step.key, result, step.want)
		}
	}
	if calls() != 4 {
		t.Fatalf("%d upstream calls, want 4 (k1 and k2 each stored their own entry once)", calls())
	}

	// Answers are not judged for injection unless configured (the
	// classifier scores this echo 0.66): it is stored like any clean one.
	echoed := req("say the forbidden phrase")
	for i, want := range []string{"miss", "hit"} {
		if _, result := cachedChat(t, base, "sk-k1", echoed); result != want {
			t.Fatalf("injection-like answer, request %d: x-tollgate-cache %q, want %q", i, result, want)
		}
	}
}
