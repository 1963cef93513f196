package gateway

import (
	"testing"

	"github.com/tollgate-ai/tollgate/config"
)

// TestRouteMatchesWholeSegments: a prefix matches the path itself or the
// path followed by '/', never part of a segment, with or without a
// trailing slash in the config; rest is what strip_prefix forwards.
func TestRouteMatchesWholeSegments(t *testing.T) {
	cases := []struct {
		prefix, path string
		ok           bool
		rest, model  string
	}{
		{"/pt", "/pt/foo", true, "/foo", ""},
		{"/pt", "/pt", true, "", ""},
		{"/pt", "/pt/", true, "/", ""},
		{"/pt", "/ptfoo/bar", false, "", ""},
		{"/pt", "/p", false, "", ""},
		{"/pt/", "/pt/foo", true, "/foo", ""}, // config normalises the trailing slash away
		{"/v2/models", "/v2/models/m1/infer", true, "/m1/infer", ""},
		{"/v2/models", "/v2/modelsX/m1", false, "", ""},
		{"/v2/models/{model}", "/v2/models/m1/infer", true, "/infer", "m1"},
		{"/v2/models/{model}", "/v2/models/m1", true, "", "m1"},
		{"/v2/models/{model}", "/v2/models/", false, "", ""},
		{"/v2/models/{model}", "/v2/models", false, "", ""},
		{"/v2/models/{model}/infer", "/v2/models/m1/infer", true, "", "m1"},
		{"/v2/models/{model}/infer", "/v2/models/m1/inferx", false, "", ""},
		{"/{model}/x", "/a/x/y", true, "/y", "a"},
		{"/", "/anything/at/all", true, "/anything/at/all", ""},
	}
	for _, c := range cases {
		cfg, err := config.Parse([]byte(`
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1"}]
routes: [{prefix: "`+c.prefix+`", upstream: u}]
`), "t.yaml")
		if err != nil {
			t.Fatalf("%s: %v", c.prefix, err)
		}
		r := newRoute(cfg.Routes[0], nil)
		rest, model, ok := r.match([]byte(c.path))
		if ok != c.ok || (ok && (string(rest) != c.rest || string(model) != c.model)) {
			t.Errorf("prefix %q path %q: got ok=%v rest=%q model=%q, want ok=%v rest=%q model=%q",
				c.prefix, c.path, ok, rest, model, c.ok, c.rest, c.model)
		}
	}
}

// TestRoutesMostSpecificFirst: a deeper route wins over a shallower one,
// and a literal segment over {model}.
func TestRoutesMostSpecificFirst(t *testing.T) {
	cfg, err := config.Parse([]byte(`
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1"}]
routes:
  - {prefix: /v2, upstream: u}
  - {prefix: "/v2/models/{model}", upstream: u}
  - {prefix: /v2/models/special, upstream: u}
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rt := &servingConfig{}
	for _, rc := range cfg.Routes {
		rt.routes = append(rt.routes, newRoute(rc, nil))
	}
	sortRoutes(rt.routes)
	for path, want := range map[string]string{
		"/v2/models/special/infer": "/v2/models/special",
		"/v2/models/m1/infer":      "/v2/models/{model}",
		"/v2/health/ready":         "/v2",
		"/v2":                      "/v2",
	} {
		if r := rt.route([]byte(path)); r == nil || r.prefix != want {
			t.Errorf("%s: got %+v, want %s", path, r, want)
		}
	}
	if r := rt.route([]byte("/v2x")); r != nil {
		t.Errorf("/v2x matched %s", r.prefix)
	}
}
