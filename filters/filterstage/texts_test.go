package filterstage

import (
	"strings"
	"testing"
)

func TestRequestTexts(t *testing.T) {
	f := func(body string, want ...string) {
		t.Helper()
		spans, ok := requestTexts([]byte(body), nil)
		if !ok {
			t.Fatalf("%s: not walked", body)
		}
		var tx texter
		var got []string
		for _, s := range spans {
			got = append(got, string(tx.text([]byte(body), s)))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%s:\n got %q\nwant %q", body, got, want)
		}
	}
	f(`{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":"a\nb \"q\" \u00e9"}]}`, "sys", "a\nb \"q\" é")
	f(`{"messages":[{"role":"user","content":[{"type":"text","text":"part 1"},{"type":"image_url","image_url":{"url":"http://x"}},{"type":"text","text":"part 2"}]}]}`,
		"part 1", "part 2")
	f(`{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{\"to\":\"bob\"}"}}]},`+
		`{"role":"tool","tool_call_id":"t","content":"result"}]}`, `{"to":"bob"}`, "result")
	f(`{"messages":[{"role":"assistant","function_call":{"name":"f","arguments":"{}"}}]}`, `{}`)
	f(`{"model":"m","prompt":["one","two"],"max_tokens":3}`, "one", "two")
	f(`{"model":"m","prompt":"only"}`, "only")
	f(`{"model":"e","input":["x",[1,2]]}`, "x")
	f(`{"model":"e","input":[[1,2],[3]]}`)
	f(`{"model":"m","metadata":{"content":"not a message"},"messages":[]}`)
	f(`{"nested":[[[[[[{"a":"}"}]]]]]],"prompt":"after"}`, "after")
}

func TestAnswerTexts(t *testing.T) {
	body := `{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hello","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}},` +
		`{"index":1,"text":"completion"}],"usage":{"prompt_tokens":1}}`
	spans, ok := answerTexts([]byte(body), nil)
	if !ok || len(spans) != 3 || body[spans[0].start:spans[0].end] != "hello" || body[spans[1].start:spans[1].end] != "{}" ||
		body[spans[2].start:spans[2].end] != "completion" {
		t.Fatalf("%v %+v", ok, spans)
	}
}

func TestParseChunk(t *testing.T) {
	data := []byte(`{"id":"c","choices":[{"delta":{"content":"hi","tool_calls":[{"index":2,"function":{"arguments":"{\"a"}}]},"index":1,"finish_reason":"stop"}],"usage":null}`)
	var ch chunk
	if !parseChunk(data, &ch) || len(ch.texts) != 2 || ch.texts[0].choice != 1 || ch.texts[0].tool != -1 || ch.texts[1].tool != 2 ||
		ch.texts[1].choice != 1 || len(ch.finished) != 1 || ch.finished[0] != 1 || data[ch.open] != '[' || data[ch.close] != ']' {
		t.Fatalf("%+v", ch)
	}
	if parseChunk([]byte(`{"error":{"message":"x"}}`), &ch) || parseChunk([]byte(`not json`), &ch) {
		t.Fatal("a chunk without choices parsed")
	}
}

// TestDeepNestingIsWalkedFlat: content parts nested 200k deep are skipped
// without recursion; the texts around them are still found.
func TestDeepNestingIsWalkedFlat(t *testing.T) {
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	body := `{"messages":[{"role":"user","content":[{"type":"text","text":"before"},{"type":"x","nested":` + deep +
		`},{"type":"text","text":"after"}]}],"extra":` + deep + `}`
	spans, ok := requestTexts([]byte(body), nil)
	if !ok || len(spans) != 2 || body[spans[1].start:spans[1].end] != "after" {
		t.Fatalf("%v %+v", ok, spans)
	}
	if _, ok := requestTexts([]byte(`{"messages":[{"content":"unterminated`), nil); ok {
		t.Fatal("a truncated body walked")
	}
}
