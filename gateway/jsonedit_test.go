package gateway

import (
	"encoding/json"
	"testing"

	"github.com/valyala/fastjson"
)

func TestSetTopLevel(t *testing.T) {
	f := func(body, key, raw, want string) {
		t.Helper()
		got, err := setTopLevel(nil, []byte(body), key, []byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if string(got) != want {
			t.Fatalf("setTopLevel(%s)\n got %s\nwant %s", body, got, want)
		}
	}
	f(`{"model":"a","x":1}`, "model", `"b"`, `{"model":"b","x":1}`)
	f(`{ "x" : {"model":"nested"} , "model" : "a" }`, "model", `"b"`, `{ "x" : {"model":"nested"} , "model" : "b" }`)
	f(`{"s":"has \"model\": inside","model":"a"}`, "model", `"b"`, `{"s":"has \"model\": inside","model":"b"}`)
	f(`{"x":[1,{"y":"]"}],"model":null}`, "model", `"b"`, `{"x":[1,{"y":"]"}],"model":"b"}`)
	f(`{}`, "model", `"b"`, `{"model":"b"}`)
	f(`{"x":1}`, "stream_options", `{"include_usage":true}`, `{"x":1,"stream_options":{"include_usage":true}}`)
	f(`{"temperature":0,"model":"a","n":1e2}`, "model", `"b"`, `{"temperature":0,"model":"b","n":1e2}`)
	// Keys compare after unescaping: the escaped key is the one rewritten.
	f(`{"\u006dodel":"a","x":1}`, "model", `"b"`, `{"\u006dodel":"b","x":1}`)
	f(`{"max\u005ftokens":9}`, "max_tokens", `5`, `{"max\u005ftokens":5}`)
	f(`{"s":"a\\","model":"a"}`, "model", `"b"`, `{"s":"a\\","model":"b"}`)
	f(`{"s":"a\\\"model\":","model":"a"}`, "model", `"b"`, `{"s":"a\\\"model\":","model":"b"}`)
}

// TestWithIncludeUsage: include_usage is set inside the client's own
// stream_options; its other fields reach the upstream.
func TestWithIncludeUsage(t *testing.T) {
	f := func(body, want string) {
		t.Helper()
		got, err := withIncludeUsage(nil, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if string(got) != want {
			t.Fatalf("withIncludeUsage(%s)\n got %s\nwant %s", body, got, want)
		}
	}
	f(`{"stream":true}`, `{"stream":true,"stream_options":{"include_usage":true}}`)
	f(`{"stream":true,"stream_options":null}`, `{"stream":true,"stream_options":{"include_usage":true}}`)
	f(`{"stream_options":{"continuous_usage_stats":true},"stream":true}`, `{"stream_options":{"continuous_usage_stats":true,"include_usage":true},"stream":true}`)
	f(`{"stream_options": { "include_usage" : false, "x": [1] } }`, `{"stream_options": { "include_usage" : true, "x": [1] } }`)
	f(`{"stream_options":{}}`, `{"stream_options":{"include_usage":true}}`)
	f(`{"stream_options":{"include\u005fusage":null}}`, `{"stream_options":{"include\u005fusage":true}}`)
}

func TestSetTopLevelRejectsMalformed(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"a"`, `{"a":"x`, `{"a":}`, `{"a":[1,2}`} {
		if _, err := setTopLevel(nil, []byte(in), "model", []byte(`"b"`)); err == nil {
			t.Fatalf("no error for %q", in)
		}
	}
}

// FuzzSetTopLevel: on valid JSON objects the edit yields valid JSON whose
// "model" is the new value and whose other members are unchanged.
func FuzzSetTopLevel(f *testing.F) {
	f.Add(`{"model":"a","messages":[{"role":"user","content":"x"}]}`)
	f.Add(`{"a":{"model":1},"b":"\"}"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var before map[string]any
		if json.Unmarshal([]byte(body), &before) != nil {
			return
		}
		if hasRepeatedKeys(body) {
			return // parseRequest refuses such bodies before any edit
		}
		out, err := setTopLevel(nil, []byte(body), "model", []byte(`"zz"`))
		if err != nil {
			t.Fatalf("valid object %q rejected: %v", body, err)
		}
		var after map[string]any
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("edit of %q produced invalid JSON %q", body, out)
		}
		if after["model"] != "zz" {
			t.Fatalf("model not set in %q", out)
		}
		delete(before, "model")
		delete(after, "model")
		b1, _ := json.Marshal(before)
		b2, _ := json.Marshal(after)
		if string(b1) != string(b2) {
			t.Fatalf("other members changed: %s vs %s", b1, b2)
		}
	})
}

// hasRepeatedKeys reports whether checkKeys would refuse body.
func hasRepeatedKeys(body string) bool {
	var p fastjson.Parser
	v, err := p.Parse(body)
	return err != nil || checkKeys(v) != nil
}
