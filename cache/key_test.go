package cache

import "testing"

func digest(t *testing.T, body string) (Digest, Facts) {
	t.Helper()
	d, f, ok := DigestBody([]byte(body))
	if !ok {
		t.Fatalf("not keyed: %s", body)
	}
	return d, f
}

// TestDigestCanonical: key order, whitespace, string escapes and the
// delivery fields (stream, stream_options, user, metadata, model) do not
// change the key; every output-changing field and unknown fields do.
func TestDigestCanonical(t *testing.T) {
	base := `{"model":"m","temperature":0,"messages":[{"role":"user","content":"hi A"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}`
	want, f := digest(t, base)
	if !f.Deterministic || !f.HasTools || f.Uncacheable {
		t.Fatalf("facts %+v", f)
	}
	same := []string{
		` { "messages" : [ {"content":"hi \u0041","role":"user"} ], "temperature":0, "model":"other","tools":[{"function":{"parameters":{"a":2,"b":1},"name":"f"},"type":"function"}] } `,
		`{"stream":true,"stream_options":{"include_usage":true},"user":"u1","metadata":{"x":"y"},"temperature":0,"messages":[{"role":"user","content":"hi A"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}`,
	}
	for _, b := range same {
		if d, _ := digest(t, b); d != want {
			t.Errorf("different key for an equivalent request: %s", b)
		}
	}
	differ := []string{
		`{"temperature":0.0,"messages":[{"role":"user","content":"hi A"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}`,
		`{"temperature":0,"messages":[{"role":"user","content":"hi B"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}`,
		`{"temperature":0,"messages":[{"role":"user","content":"hi A"}],"tools":[{"type":"function","function":{"name":"g","parameters":{"b":1,"a":2}}}]}`,
		`{"temperature":0,"max_tokens":5,"messages":[{"role":"user","content":"hi A"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}`,
		`{"temperature":0,"x_unknown":1,"messages":[{"role":"user","content":"hi A"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}`,
		`{"temperature":0,"tool_choice":"none","messages":[{"role":"user","content":"hi A"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}`,
	}
	for _, b := range differ {
		if d, _ := digest(t, b); d == want {
			t.Errorf("same key for a request that asks for something else: %s", b)
		}
	}
}

func TestDigestFacts(t *testing.T) {
	for body, want := range map[string]Facts{
		`{"messages":[]}`:                          {},
		`{"temperature":0.7,"messages":[]}`:        {},
		`{"temperature":0,"messages":[]}`:          {Deterministic: true},
		`{"seed":7,"temperature":1,"messages":[]}`: {Deterministic: true},
	} {
		if _, f := digest(t, body); f != want {
			t.Errorf("%s: facts %+v, want %+v", body, f, want)
		}
	}
	if _, f, ok := DigestBody([]byte(`{"temperature":0,"logprobs":true}`)); ok || f != (Facts{Deterministic: true, Uncacheable: true}) {
		t.Errorf("logprobs: keyed %v, facts %+v", ok, f)
	}
	if _, f, ok := digestIf([]byte(`{"temperature":1,"tools":[{"type":"function"}]}`), true); ok || f != (Facts{HasTools: true}) {
		t.Errorf("not deterministic: keyed %v, facts %+v", ok, f)
	}
	for _, bad := range []string{`[1]`, `{"a":`, ``, `"s"`} {
		if _, _, ok := DigestBody([]byte(bad)); ok {
			t.Errorf("%q was keyed", bad)
		}
	}
}

// TestMakeKeyParts: every part tells keys apart, and parts cannot run
// into each other.
func TestMakeKeyParts(t *testing.T) {
	var d Digest
	base := KeyParts{Endpoint: "chat", Scope: "acme", Model: "m"}
	k := MakeKey(&base, &d)
	for _, p := range []KeyParts{
		{Endpoint: "embeddings", Scope: "acme", Model: "m"},
		{Endpoint: "chat", Scope: "globex", Model: "m"},
		{Endpoint: "chat", Scope: "acme", Model: "m2"},
		{Endpoint: "chat", Scope: "acme", Model: "m", Profile: "redact:v1"},
		{Endpoint: "chat", Scope: "acme", Model: "m", Gen: 1},
		{Endpoint: "chat", Scope: "acm", Model: "em"},
	} {
		if MakeKey(&p, &d) == k {
			t.Errorf("%+v keys like %+v", p, base)
		}
	}
}
