package config

import (
	"strings"
	"testing"
)

const filtersBase = `
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1/v1"}]
models: [{name: m, deployments: [{upstream: u}]}]
keys: [{id: k1, key: sk-1, tenant: acme}]
`

func TestFiltersConfig(t *testing.T) {
	c, err := Parse([]byte(filtersBase+`
filters:
  enabled: true
  scan: {detectors: [pii, injection], blocklists: [{name: words, terms: [foo]}]}
  input: {pii.email: pseudonymize, secret.*: redact, injection: flag, secret.github_token: deny, blocklist.words: flag}
  output: {secret.aws_access_key: deny}
  overrides:
    - {tenant: acme, key: k1, model: m, input: {pii.*: deny}}
  stream: {window_bytes: 128}
`), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := c.Filters
	if !f.Enabled || f.Input["pii.email"] != FilterPseudonymize || f.Input[FilterDefaultKey] != FilterFlag ||
		f.Output[FilterDefaultKey] != FilterFlag || f.Overrides[0].Input["pii.*"] != FilterDeny || f.Stream.WindowBytes != 128 ||
		len(f.Scan.Detectors) != 2 || !f.Scan.DecodeBlobs || f.Scan.Thresholds["*"] != 0.5 {
		t.Fatalf("%+v", f)
	}
	c, err = Parse([]byte(filtersBase), "f.yaml")
	if err != nil || c.Filters.Enabled || c.Filters.Input[FilterDefaultKey] != FilterFlag || len(c.Filters.Scan.Detectors) != 3 {
		t.Fatalf("defaults: %+v %v", c.Filters, err)
	}
}

func TestFiltersConfigErrors(t *testing.T) {
	f := func(yml, want string) {
		t.Helper()
		_, err := Parse([]byte(filtersBase+yml), "f.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("want an error with %q, got %v", want, err)
		}
	}
	f("filters:\n  input: {pii.mail: redact}\n", `f.yaml:6: filters.input.pii.mail: unknown kind "pii.mail"`)
	f("filters:\n  input: {cards: redact}\n", `unknown kind "cards"`)
	f("filters:\n  input: {secret.Bad Name: redact}\n", `unknown kind`)
	f("filters:\n  input: {secret.nope: redact}\n", `unknown kind "secret.nope"`)
	f("filters:\n  input: {blocklist.words: redact}\n", `unknown kind "blocklist.words"`)
	f("filters:\n  scan: {detectors: [pii.mail]}\n", `filters.scan: unknown detector "pii.mail"`)
	f("filters:\n  scan: {colour: red}\n", `filters.scan.colour: unknown field`)
	f("filters:\n  input:\n    pii.email: hide\n", `f.yaml:7: filters.input.pii.email: unknown action "hide"`)
	f("filters:\n  output: {pii.email: pseudonymize}\n", `pseudonymize applies to requests`)
	f("filters:\n  overrides: [{input: {injection: deny}}]\n", `filters.overrides[0]: set tenant, key or model`)
	f("filters:\n  overrides: [{key: nope}]\n", `filters.overrides[0].key: unknown key id "nope"`)
	f("filters:\n  overrides: [{model: nope}]\n", `unknown model "nope"`)
	f("filters:\n  stream: {window_bytes: -1}\n", `filters.stream.window_bytes`)
	f("filters:\n  inptu: {}\n", `unknown field`)
}
