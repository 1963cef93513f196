package wire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestSSE(t *testing.T) {
	f := func(in string, want ...string) {
		t.Helper()
		var s SSE
		s.Reset(strings.NewReader(in))
		var got []string
		for {
			d, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q: %v", in, err)
			}
			got = append(got, string(d))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%q: got %q, want %q", in, got, want)
		}
	}
	f("")
	f("data: a\n\ndata: b\n\n", "a", "b")
	f("data: a\r\n\r\ndata:b\r\n\r\n", "a", "b")                                  // CRLF, no space after the colon
	f("data: a\ndata: b\n\n", "a\nb")                                             // one event, two data lines
	f(": comment\nevent: x\nid: 1\ndata: a\n\n", "a")                             // fields other than data skipped
	f("data: a", "a")                                                             // the last event without its blank line
	f("\n\n\ndata: a\n\n\n\n", "a")                                               // stray blank lines
	f("data: a\n\n{\"error\":{\"code\":500}}\n\n", "a", `{"error":{"code":500}}`) // a bare JSON line
	long := strings.Repeat("x", 40<<10)
	f("data: "+long+"\n\n", long) // longer than the reader's buffer
}

func TestSSETooLarge(t *testing.T) {
	var s SSE
	s.Reset(strings.NewReader("data: " + strings.Repeat("x", MaxEvent+10) + "\n\n"))
	if _, err := s.Next(); !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("got %v", err)
	}
}

func TestDataURL(t *testing.T) {
	f := func(in, mime, data string, ok bool) {
		t.Helper()
		m, d, gotOK := DataURL([]byte(in))
		if gotOK != ok || string(m) != mime || string(d) != data {
			t.Fatalf("%q: got %q %q %v", in, m, d, gotOK)
		}
	}
	f("data:image/png;base64,AAAA", "image/png", "AAAA", true)
	f("data:;base64,AAAA", "", "", false)
	f("data:image/png,AAAA", "", "", false) // not base64
	f("https://example.com/a.png", "", "", false)
	if MimeFromURL([]byte("https://x/a.WEBP?x=1")) != "image/webp" || MimeFromURL([]byte("https://x/a")) != "image/jpeg" {
		t.Fatal("MimeFromURL")
	}
}

func TestReadParams(t *testing.T) {
	f := func(body, wantParam string) {
		t.Helper()
		v := fastjson.MustParse(body)
		var p Params
		err := ReadParams(v, "prov", &p)
		switch {
		case wantParam == "" && err != nil:
			t.Fatalf("%s: %v", body, err)
		case wantParam != "" && (err == nil || err.Param != wantParam || err.Status != 400 || !strings.Contains(err.Message, "prov")):
			t.Fatalf("%s: got %+v, want a 400 on %s", body, err, wantParam)
		}
	}
	f(`{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"user":"u","logprobs":false,"logit_bias":{}}`, "")
	f(`{"messages":[{"role":"user","content":"x"}],"logprobs":true}`, "logprobs")
	f(`{"messages":[{"role":"user","content":"x"}],"logit_bias":{"1":2}}`, "logit_bias")
	f(`{"messages":[{"role":"user","content":"x"}],"functions":[]}`, "functions")
	f(`{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}`, "temperature")
	f(`{"messages":[{"role":"user","content":"x"}],"stop":[1]}`, "stop")
	f(`{"messages":[]}`, "messages")
	f(`{"model":"m"}`, "messages")
	var p Params
	_ = ReadParams(fastjson.MustParse(`{"messages":[{"role":"user"}],"max_tokens":5,"max_completion_tokens":7,"stop":"x","n":3}`), "p", &p)
	if p.MaxTokens != 7 || len(p.Stop) != 1 || p.N != 3 {
		t.Fatalf("params %+v", p)
	}
}

func TestAppendUsage(t *testing.T) {
	got := AppendUsage(nil, &Usage{Prompt: 10, Completion: 5, Total: 15, Cached: 4, Reasoning: 2})
	want := `"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}`
	if string(got) != want {
		t.Fatalf("got %s", got)
	}
	if !bytes.Equal(AppendUsage(nil, &Usage{Prompt: 1, Completion: 1, Total: 2}), []byte(`"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}`)) {
		t.Fatal("usage without details")
	}
}

func TestAppendArgumentsAndEscaped(t *testing.T) {
	var p fastjson.Parser
	v, _ := p.Parse(`{"city":"Paris \"Nord\"","n":[1,2]}`)
	if got := string(AppendArguments([]byte("x"), v)); got != `x"{\"city\":\"Paris \\\"Nord\\\"\",\"n\":[1,2]}"` {
		t.Fatalf("arguments %s", got)
	}
	if got := string(AppendArguments(nil, nil)); got != `"{}"` {
		t.Fatalf("no arguments %s", got)
	}
	if got := string(AppendEscaped([]byte(`"a`), []byte("b\"c\n"))); got != `"ab\"c\n` {
		t.Fatalf("escaped %s", got)
	}
}

func TestTurns(t *testing.T) {
	w := Turns{Dst: []byte("["), ItemsKey: "parts"}
	w.Text("user", []byte("a"))
	w.Text("user", nil)
	w.Text("user", []byte("b"))
	w.Item("model")
	w.Dst = append(w.Dst, "{}"...)
	w.Close()
	want := `[{"role":"user","parts":[{"text":"a"},{"text":"b"}]},{"role":"model","parts":[{}]}]`
	if got := string(append(w.Dst, ']')); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestTurnsAssistantText(t *testing.T) {
	var p fastjson.Parser
	for in, want := range map[string]string{
		`{"content":"hi"}`: `[{"role":"model","parts":[{"text":"hi"}]}]`,
		`{"content":[{"type":"text","text":"a"},{"type":"image_url"},{"type":"refusal","refusal":"no"}]}`: `[{"role":"model","parts":[{"text":"a"},{"text":"no"}]}]`,
		`{"content":null}`: `[]`,
	} {
		m, err := p.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		w := Turns{Dst: []byte("["), ItemsKey: "parts"}
		w.AssistantText("model", m)
		w.Close()
		if got := string(append(w.Dst, ']')); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}
