package evals

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/gateway"
)

func TestAppendPrompt(t *testing.T) {
	cases := []struct{ endpoint, body, want string }{
		{"chat", `{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"x"}}]}]}`, "be brief\nhi"},
		{"completions", `{"model":"m","prompt":["a","b"]}`, "a\nb"},
		{"embeddings", `{"model":"m","input":"vec me"}`, "vec me"},
		{"chat", `not json`, ""},
	}
	for _, c := range cases {
		got, cut := appendPrompt(nil, []byte(c.body), c.endpoint, 100)
		if string(got) != c.want || cut {
			t.Errorf("%s %s: got %q (cut %v), want %q", c.endpoint, c.body, got, cut, c.want)
		}
	}
	long := `{"messages":[{"role":"user","content":"` + strings.Repeat("é", 100) + `"}]}`
	got, cut := appendPrompt(nil, []byte(long), "chat", 51)
	if !cut || len(got) > 51 || !utf8.Valid(got) || len(got) < 49 {
		t.Fatalf("cut prompt: %d bytes, cut %v, valid %v", len(got), cut, utf8.Valid(got))
	}
}

func TestAppendAnswer(t *testing.T) {
	got, _ := appendAnswer(nil, []byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"Hello \"you\""}}]}`), 100)
	if string(got) != `Hello "you"` {
		t.Fatalf("got %q", got)
	}
	got, _ = appendAnswer(nil, []byte(`{"choices":[{"text":"done"}]}`), 100)
	if string(got) != "done" {
		t.Fatalf("completions: got %q", got)
	}
}

func TestStreamTextCollectsDeltasBounded(t *testing.T) {
	st := &streamText{max: 12}
	var out gateway.Events
	evs := []string{
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n",
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" wörld\\n\"}}]}\n\n",
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" more text past the cap\"}}]}\n\n",
		"data: [DONE]\n\n",
	}
	for _, ev := range evs {
		if e := st.Event([]byte(ev), &out); e != nil {
			t.Fatal(e)
		}
	}
	if out.Len() != len(evs) {
		t.Fatalf("emitted %d events of %d: the filter must pass every event through", out.Len(), len(evs))
	}
	for i, ev := range evs {
		if string(out.At(i)) != ev {
			t.Fatalf("event %d changed: %q", i, out.At(i))
		}
	}
	if string(st.buf) != "Hello wörld" || !st.cut {
		t.Fatalf("collected %q (cut %v), want %q cut", st.buf, st.cut, "Hello wörld")
	}
}
