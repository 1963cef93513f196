package gateway

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// parseRequest reads body into f as the handler does (one parse, kept by
// an Exchange's meter, then released with it).
func parseRequest(ep endpoint, body []byte, f *requestFields) *APIError {
	x := acquireExchange()
	defer releaseExchange(x)
	x.fields = *f
	e := parsingServer.readBody(x, ep, body)
	*f = x.fields
	return e
}

var parsingServer = new(Server)

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

// TestParseRequestRejectsDuplicateKeys: the gateway reads the first of two
// equal keys, an upstream the last; any repeat, escaped or not, at any
// depth, is a 400 naming the key and where it is.
func TestParseRequestRejectsDuplicateKeys(t *testing.T) {
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	f := func(body, wantParam string) {
		t.Helper()
		var rf requestFields
		e := parseRequest(epChat, []byte(body), &rf)
		if e == nil {
			t.Fatalf("%s: accepted (model %q)", body, rf.Model)
		}
		if e.Status != 400 || e.Param != wantParam {
			t.Fatalf("%s: got %d param %q (%s), want 400 param %q", body, e.Status, e.Param, e.Message, wantParam)
		}
	}
	f(`{"model":"cheap","model":"gpt-4o",`+msgs+`}`, "model")
	f(`{"model":"cheap","\u006dodel":"gpt-4o",`+msgs+`}`, "model")
	f(`{"\u006d\u006f\u0064\u0065\u006c":"cheap",`+msgs+`,"model":"gpt-4o"}`, "model")
	f(`{"model":"m","max_tokens":5,"max_tokens":100000,`+msgs+`}`, "max_tokens")
	f(`{"model":"m","n":1,"n":8,`+msgs+`}`, "n")
	f(`{"model":"m","stream":true,"stream":false,`+msgs+`}`, "stream")
	f(`{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"a"},{"role":"user","content":"ok","content":"evil"}]}`, "messages[2].content")
	f(`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a","t\u0065xt":"b"}]}]}`, "messages[0].content[0].text")
	f(`{"model":"m",`+msgs+`,"tools":[{"type":"function","function":{"name":"a","name":"b"}}]}`, "tools[0].function.name")
	f(`{"model":"m",`+msgs+`,"stream_options":{"include_usage":false,"include_usage":true}}`, "stream_options.include_usage")
	f(`{"model":"m",`+msgs+`,"metadata":{"a":"1","a":"2"}}`, "metadata.a")
	f(`{"model":"m",`+msgs+`,"response_format":{"type":"text","type":"json_object"}}`, "response_format.type")
	// A large object takes the sorted path.
	var big strings.Builder
	for i := 0; i < 40; i++ {
		big.WriteString(`"k` + itoa(i) + `":1,`)
	}
	f(`{"model":"m",`+msgs+`,"metadata":{`+big.String()+`"k7":2}}`, "metadata.k7")
	// Keys parsers decode differently are refused outright.
	f(`{"model":"m",`+msgs+`,"\model":"x"}`, "")
	f(`{"model":"m",`+msgs+`,"x\ud800":"x"}`, "")
	f("{\"model\":\"m\","+msgs+",\"x\xff\":1}", "")
	f(`{"model":"m","messages":[{"role":"user","content":"a","\u0000":1}]}`, "messages[0]")
	// Both output caps: upstreams differ on which one they honour.
	f(`{"model":"m","max_tokens":5,"max_completion_tokens":100000,`+msgs+`}`, "max_completion_tokens")
	f(`{"model":"m","stream_options":"yes",`+msgs+`}`, "stream_options")
	f(`{"model":"m","stream":true,"stream_options":{"include_usage":"yes"},`+msgs+`}`, "stream_options.include_usage")
}

// TestParseRequestEscapes: escaped keys and values read as their unescaped
// text, and a large object without repeats is accepted.
func TestParseRequestEscapes(t *testing.T) {
	var big strings.Builder
	for i := 0; i < 40; i++ {
		big.WriteString(`"k` + itoa(i) + `":1,`)
	}
	var rf requestFields
	body := `{"\u006dodel":"mock\u002dgpt","m\u0061x_tokens":7,"stream":true,"stream_options":null,"metadata":{` + big.String() + `"z":"\u00e9"},` +
		`"messages":[{"r\u006fle":"user","content":"a\"b"},{"role":"user","content":[{"type":"text","text":"\ud83d\ude00"}]}]}`
	if e := parseRequest(epChat, []byte(body), &rf); e != nil {
		t.Fatal(e.Message)
	}
	if rf.Model != "mock-gpt" || rf.MaxTokens != 7 || !rf.Stream || rf.IncludeUsage || rf.MessageCount != 2 || rf.PromptChars != 3+4 {
		t.Fatalf("%+v", rf)
	}
}
