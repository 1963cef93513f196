package config

import (
	"strings"
	"testing"
)

const routeBase = `
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1"}]
models: [{name: gpt-4o, deployments: [{upstream: u}]}]
keys: [{id: k, key: sk-k}]
`

// TestRouteValidation: route patterns, the route's model and key lists are
// checked, and keys may name models a route declares.
func TestRouteValidation(t *testing.T) {
	bad := map[string]string{
		`routes: [{prefix: v2, upstream: u}]`:                             "must start with '/'",
		`routes: [{prefix: /a, upstream: u}, {prefix: /a/, upstream: u}]`: "duplicate route prefix",
		`routes: [{prefix: "/a/{model}/{model}", upstream: u}]`:           "at most one {model}",
		`routes: [{prefix: "/a/{models}", upstream: u}]`:                  "only placeholder",
		`routes: [{prefix: "/a/x{model}", upstream: u}]`:                  "only placeholder",
		`routes: [{prefix: "/a//b", upstream: u}]`:                        "empty, '.' or '..'",
		`routes: [{prefix: "/a/../b", upstream: u}]`:                      "empty, '.' or '..'",
		`routes: [{prefix: "/a/{model}", model: m, upstream: u}]`:         "drop model",
		`routes: [{prefix: "/a", models: [m], upstream: u}]`:              "prefix has none",
		`routes: [{prefix: "/a/{model}", models: ["x/y"], upstream: u}]`:  "one non-empty path segment",
		`routes: [{prefix: "/a", keys: [nobody], upstream: u}]`:           "unknown key id",
		`routes: [{prefix: "/a", upstream: nope}]`:                        "unknown upstream",
		`routes: [{prefix: /v1/chat/x, upstream: u}]`:                     "shadow",
	}
	for yml, want := range bad {
		_, err := Parse([]byte(routeBase+yml), "cfg.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want error containing %q, got %v", yml, want, err)
		}
	}
	if _, err := Parse([]byte(`
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1"}]
routes: [{prefix: "/a/{model}", upstream: u}]
keys: [{id: k, key: sk-k, models: [m1]}]
`), "cfg.yaml"); err == nil || !strings.Contains(err.Error(), "unknown model") {
		t.Errorf("a key naming a model no route declares: %v", err)
	}
	c, err := Parse([]byte(`
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1"}]
routes:
  - {prefix: "/v2/models/{model}/", upstream: u, models: [m1, m2]}
  - {prefix: /tgi/, upstream: u, model: tgi-llama, keys: [k1]}
  - {prefix: /, upstream: u}
keys: [{id: k1, key: sk-1, models: [m1, tgi-llama]}]
`), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Routes[0].Prefix != "/v2/models/{model}" || c.Routes[1].Prefix != "/tgi" || c.Routes[2].Prefix != "/" {
		t.Fatalf("prefixes not normalised: %+v", c.Routes)
	}
}
