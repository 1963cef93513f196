package gateway

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestParseRequest(t *testing.T) {
	var f requestFields
	err := parseRequest(epChat, []byte(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":7,"n":2,"user":"u1",
		"messages":[{"role":"system","content":"abc"},{"role":"user","content":[{"type":"text","text":"hello"},{"type":"image_url","image_url":{"url":"x"}}]}]}`), &f)
	if err != nil {
		t.Fatal(err)
	}
	want := requestFields{Model: "m", Stream: true, IncludeUsage: true, MaxTokens: 7, maxTokensKey: "max_completion_tokens", N: 2, MessageCount: 2, PromptChars: 8, User: "u1"}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("got %+v\nwant %+v", f, want)
	}
}

// FuzzParseRequest: any body is accepted or refused with a 400, never a
// panic; accepted chat bodies are JSON objects with a model.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"x"}]}`), uint8(0))
	f.Add([]byte(`{"model":"m","prompt":["a","b"],"max_tokens":3}`), uint8(1))
	f.Add([]byte(`{"model":"m","input":[[1,2]]}`), uint8(2))
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		ep := []endpoint{epChat, epCompletions, epEmbeddings}[int(which)%3]
		var rf requestFields
		e := parseRequest(ep, body, &rf)
		if e != nil {
			if e.Status != 400 || e.Message == "" {
				t.Fatalf("bad error %+v", e)
			}
			return
		}
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			// fastjson and encoding/json differ only on edge cases such as
			// invalid UTF-8; the body must still start as an object.
			return
		}
		if rf.Model == "" || m["model"] != rf.Model {
			t.Fatalf("model %q vs %v", rf.Model, m["model"])
		}
	})
}
