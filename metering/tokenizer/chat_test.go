package tokenizer

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// cookbookMessages is the example of OpenAI's cookbook "How to count tokens
// with tiktoken", whose prompt_tokens OpenAI's API reported as 127 for
// gpt-3.5-turbo-0301, 129 for gpt-3.5-turbo-0613 and gpt-4-0613, and 124 for
// gpt-4o and gpt-4o-mini.
var cookbookMessages = []Message{
	{Role: "system", Content: "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
	{Role: "system", Name: "example_user", Content: "New synergies will help drive top-line growth."},
	{Role: "system", Name: "example_assistant", Content: "Things working well together will increase revenue."},
	{Role: "system", Name: "example_user", Content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
	{Role: "system", Name: "example_assistant", Content: "Let's talk later when we're less busy about how to do better."},
	{Role: "user", Content: "This late pivot means we don't have time to boil the ocean for the client deliverable."},
}

func TestCountChatMatchesOpenAIReportedUsage(t *testing.T) {
	r, _ := New(Options{})
	f := func(model string, want int) {
		t.Helper()
		c, err := r.CountChat(model, cookbookMessages, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c != (Count{Tokens: want}) {
			t.Fatalf("%s: %+v, want %d tokens", model, c, want)
		}
	}
	f("gpt-3.5-turbo-0301", 127)
	f("gpt-3.5-turbo-0613", 129)
	f("gpt-4-0613", 129)
	f("gpt-4o", 124)
	f("gpt-4o-mini", 124)
}

// chatBody renders messages as an OpenAI request body.
func chatBody(model string, msgs []Message) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"model":%q,"temperature":0,"messages":[`, model)
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"role":%q,"content":%q`, m.Role, m.Content)
		if m.Name != "" {
			fmt.Fprintf(&b, `,"name":%q`, m.Name)
		}
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func TestCountChatJSONEqualsCountChat(t *testing.T) {
	r, _ := New(Options{})
	for _, model := range []string{"gpt-3.5-turbo-0301", "gpt-4-0613", "gpt-4o"} {
		want, _ := r.CountChat(model, cookbookMessages, nil)
		got, err := countBoth(t, r, "", chatBody(model, cookbookMessages))
		if err != nil || got != want {
			t.Fatalf("%s: CountChatJSON = %+v, %v; CountChat = %+v", model, got, err, want)
		}
	}
}

// countBoth counts body with CountChatJSON and, when it parses, with
// CountChatValue too: the gateway's one-parse path must count the same.
func countBoth(t *testing.T, r *Registry, model string, body []byte) (Count, error) {
	t.Helper()
	got, err := r.CountChatJSON(model, body)
	var p fastjson.Parser
	if v, perr := p.ParseBytes(body); perr == nil {
		vgot, verr := r.CountChatValue(model, v)
		if vgot != got || (verr == nil) != (err == nil) || (err != nil && verr.Error() != err.Error()) {
			t.Fatalf("%.200s: CountChatValue = %+v, %v; CountChatJSON = %+v, %v", body, vgot, verr, got, err)
		}
	}
	return got, err
}

func pngDataURL(t *testing.T, w, h int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestCountChatJSONPartsToolsAndImages(t *testing.T) {
	r, _ := New(Options{})
	enc, _ := r.ForModel("gpt-4o")
	n := enc.CountString
	f := func(model, body string, want Count) {
		t.Helper()
		got, err := countBoth(t, r, model, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if got != want {
			t.Fatalf("%.200s:\n got %+v\nwant %+v", body, got, want)
		}
	}
	msg := func(role string, extra int) int { return 3 + n(role) + extra }
	// text parts
	f("gpt-4o", `{"messages":[{"role":"user","content":[{"type":"text","text":"Hello there"},{"type":"text","text":" friend"}]}]}`,
		Count{Tokens: msg("user", n("Hello there")+n(" friend")) + 3})
	// null content, assistant tool calls
	f("gpt-4o", `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]}]}`,
		Count{Tokens: msg("assistant", n("get_weather")+n(`{"city":"Oslo"}`)) + 3})
	// tools: funcInit 7 (o200k) + name + description + parameters JSON, funcEnd 12
	params := `{"type":"object","properties":{"city":{"type":"string"}}}`
	f("gpt-4o", `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":`+params+`}}]}`,
		Count{Tokens: msg("user", n("hi")) + 3 + 7 + n("get_weather") + n("Weather now") + n(params) + 12})
	// images: low is 85, high with a known size follows the tile rule, a remote
	// high image and audio are Unknown.
	img := func(url, detail string) string {
		return fmt.Sprintf(`{"type":"image_url","image_url":{"url":%q,"detail":%q}}`, url, detail)
	}
	one := func(part string) string { return `{"messages":[{"role":"user","content":[` + part + `]}]}` }
	base := msg("user", 0) + 3
	f("gpt-4o", one(img("https://example.com/a.png", "low")), Count{Tokens: base + 85, ImageTokens: 85})
	f("gpt-4o", one(img(pngDataURL(t, 1024, 1024), "high")), Count{Tokens: base + 765, ImageTokens: 765})
	f("gpt-4o", one(img(pngDataURL(t, 2048, 4096), "auto")), Count{Tokens: base + 1105, ImageTokens: 1105})
	f("gpt-4o", one(img("https://example.com/a.png", "high")), Count{Tokens: base, Unknown: 1})
	f("gpt-4o-mini", one(img("https://example.com/a.png", "low")), Count{Tokens: base + 2833, ImageTokens: 2833})
	f("o4-mini", one(img("https://example.com/a.png", "low")), Count{Tokens: base, Unknown: 1})
	f("gpt-4o", one(`{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}`), Count{Tokens: base, Unknown: 1})
}

func TestCountChatImagesAndTools(t *testing.T) {
	r, _ := New(Options{})
	enc, _ := r.ForModel("gpt-4")
	n := enc.CountString
	msgs := []Message{{Role: "user", Parts: []Part{
		{Kind: PartText, Text: "What is this?"},
		{Kind: PartImage, Detail: "high", Width: 512, Height: 512},
		{Kind: PartImage},
		{Kind: PartAudio},
	}}}
	tools := []Tool{{Name: "f", Description: "d", Parameters: "{}"}}
	got, err := r.CountChat("gpt-4", msgs, tools)
	if err != nil {
		t.Fatal(err)
	}
	want := Count{Tokens: 3 + n("user") + n("What is this?") + 255 + 3 + 10 + n("f") + n("d") + n("{}") + 12, ImageTokens: 255, Unknown: 2}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestTiles(t *testing.T) {
	f := func(w, h, want int) {
		t.Helper()
		if got := tiles(w, h); got != want {
			t.Fatalf("tiles(%d, %d) = %d, want %d", w, h, got, want)
		}
	}
	f(1024, 1024, 4) // OpenAI: 765 tokens
	f(2048, 4096, 6) // OpenAI: 1105 tokens
	f(512, 512, 1)
	f(513, 100, 2)
	f(100, 100, 1)
	f(4096, 8192, 6)
}

func TestCountChatJSONErrorsAreClearAndQuoteNoContent(t *testing.T) {
	r, _ := New(Options{})
	f := func(model, body, wantInErr string) {
		t.Helper()
		_, err := countBoth(t, r, model, []byte(body))
		if err == nil || !strings.Contains(err.Error(), wantInErr) {
			t.Fatalf("%s: error %v, want it to mention %q", body, err, wantInErr)
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Fatalf("error quotes the body: %v", err)
		}
	}
	f("gpt-4o", `{"messages":[{"role":"user","content":"SECRET`, "not valid JSON")
	f("", `{"messages":[]}`, `no model given`)
	f("gpt-4o", `{"messages":{"role":"user"}}`, `"messages" must be an array`)
	f("gpt-4o", `{"messages":[{"role":"user","content":42}]}`, `messages[0].content: want a string, an array of parts or null, got number`)
	f("gpt-4o", `{"messages":[{"role":"user","content":"SECRET"},7]}`, `messages[1]: want an object`)
	f("gpt-4o", `{"messages":[{"role":"user","content":[true]}]}`, `messages[0].content[0]: want an object`)
	f("no-such-model", `{"messages":[]}`, `unknown model "no-such-model"`)
	_, err := r.CountChatJSON("gpt-4o", []byte(`[`))
	if !errors.Is(err, ErrInvalidChatBody) {
		t.Fatalf("error %v should wrap ErrInvalidChatBody", err)
	}
}

func readTestdata(name string) (string, error) {
	b, err := os.ReadFile("testdata/" + name)
	return string(b), err
}
