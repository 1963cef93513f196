package cache

import "testing"

// TestSemanticDigest: the digest covers everything but the last user
// message's text, canonically (key order, whitespace, escapes and the
// delivery fields do not matter); the text comes back.
func TestSemanticDigest(t *testing.T) {
	base := `{"model":"m","temperature":0,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"what is the capital of France"}]}`
	d0, text, ok := semanticDigest([]byte(base))
	if !ok || text != "what is the capital of France" {
		t.Fatalf("%v %q", ok, text)
	}
	same := map[string]string{
		"another last message": `{"model":"m","temperature":0,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"France: its capital?"}]}`,
		"key order, spaces":    `{ "messages":[{"content":"Be brief.","role":"system"},{"content":"x","role":"user"}], "temperature":0, "model":"m"}`,
		"escapes":              `{"model":"m","temperature":0,"messages":[{"role":"system","content":"Be\u0020brief."},{"role":"user","content":"y"}]}`,
		"stream and user":      `{"model":"m","stream":true,"user":"u1","temperature":0,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"z"}]}`,
		"text parts":           `{"model":"m","temperature":0,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`,
	}
	for name, body := range same {
		if d, _, ok := semanticDigest([]byte(body)); !ok || d != d0 {
			t.Errorf("%s: digest differs (ok %v)", name, ok)
		}
	}
	different := map[string]string{
		"system prompt": `{"model":"m","temperature":0,"messages":[{"role":"system","content":"Be thorough."},{"role":"user","content":"what is the capital of France"}]}`,
		"temperature":   `{"model":"m","temperature":0.5,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"what is the capital of France"}]}`,
		"max_tokens":    `{"model":"m","temperature":0,"max_tokens":5,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"what is the capital of France"}]}`,
		"an earlier turn": `{"model":"m","temperature":0,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},` +
			`{"role":"user","content":"what is the capital of France"}]}`,
		"a name on the message": `{"model":"m","temperature":0,"messages":[{"role":"system","content":"Be brief."},{"role":"user","name":"bob","content":"what is the capital of France"}]}`,
	}
	for name, body := range different {
		if d, _, ok := semanticDigest([]byte(body)); !ok || d == d0 {
			t.Errorf("%s: digest is the same (ok %v)", name, ok)
		}
	}
	if _, text, _ := semanticDigest([]byte(same["text parts"])); text != "a\nb" {
		t.Errorf("text parts: %q", text)
	}
	// The last user message is the one left out, wherever it is.
	_, text, _ = semanticDigest([]byte(`{"messages":[{"role":"user","content":"first"},{"role":"user","content":"second"},{"role":"assistant","content":"a"}]}`))
	if text != "second" {
		t.Errorf("last user message: %q", text)
	}
	for name, body := range map[string]string{
		"no messages":   `{"model":"m","prompt":"hi"}`,
		"no user":       `{"messages":[{"role":"system","content":"Be brief."}]}`,
		"empty text":    `{"messages":[{"role":"user","content":""}]}`,
		"an image part": `{"messages":[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`,
		"not JSON":      `{"messages":`,
	} {
		if _, _, ok := semanticDigest([]byte(body)); ok {
			t.Errorf("%s: looked up", name)
		}
	}
}

// TestSemanticScope: every key part and the embedder separate scopes.
func TestSemanticScope(t *testing.T) {
	var d Digest
	r := SemanticRequest{Scope: "acme", Model: "m", Endpoint: "chat", Profile: "p", Gen: 1}
	s0 := semanticScope(&r, "emb", &d)
	for name, change := range map[string]func(*SemanticRequest){
		"tenant":   func(r *SemanticRequest) { r.Scope = "globex" },
		"model":    func(r *SemanticRequest) { r.Model = "m2" },
		"profile":  func(r *SemanticRequest) { r.Profile = "" },
		"purge":    func(r *SemanticRequest) { r.Gen = 2 },
		"endpoint": func(r *SemanticRequest) { r.Endpoint = "completions" },
	} {
		c := r
		change(&c)
		if semanticScope(&c, "emb", &d) == s0 {
			t.Errorf("%s: same scope", name)
		}
	}
	if semanticScope(&r, "emb2", &d) == s0 {
		t.Error("embedder: same scope")
	}
	d[0] = 1
	if semanticScope(&r, "emb", &d) == s0 {
		t.Error("rest of the request: same scope")
	}
}
