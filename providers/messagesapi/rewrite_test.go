package messagesapi

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestApplyRewrite(t *testing.T) {
	f := func(golden, old, new string, wantOK bool, wantIn ...string) {
		t.Helper()
		native, err := os.ReadFile("testdata/request/" + golden + ".in.json")
		if err != nil {
			t.Fatal(err)
		}
		var p fastjson.Parser
		translated, _, e := TranslateRequest(nil, native, &p, Messages)
		if e != nil {
			t.Fatal(e)
		}
		rewritten := bytes.ReplaceAll(translated, []byte(old), []byte(new))
		if bytes.Equal(rewritten, translated) {
			t.Fatalf("%q is not in the translation", old)
		}
		out, ok := ApplyRewrite(nil, native, translated, rewritten)
		if ok != wantOK {
			t.Fatalf("%s: %q→%q: ok=%v, want %v\n%s", golden, old, new, ok, wantOK, out)
		}
		if !ok {
			return
		}
		if strings.Contains(string(out), old) {
			t.Fatalf("%q survived: %s", old, out)
		}
		for _, w := range wantIn {
			if !strings.Contains(string(out), w) {
				t.Fatalf("%q missing from %s", w, out)
			}
		}
		// What goes upstream natively translates to what the stage wrote.
		again, _, e := TranslateRequest(nil, out, &p, Messages)
		if e != nil || !bytes.Equal(again, rewritten) {
			t.Fatalf("re-translated:\n%s\nwant:\n%s", again, rewritten)
		}
	}
	// Plain string content; cache_control, top_k and the system blocks survive.
	f("text_system_blocks", "Hello, Claude", "Hello, [NAME_1]", true, `"content":"Hello, [NAME_1]"`, `"cache_control":{"type":"ephemeral"}`, `"top_k":40`)
	// A lone text block, a tool result's text block, an error result's text.
	f("text_system_blocks", "Say it again", "Say [REDACTED]", true, `{"type":"text","text":"Say [REDACTED]"}`)
	f("tools_round_trip", "15 degrees", "[TEMP]", true, `"text":"[TEMP]"`, `"signature":"EqQBCgIYAhIM"`)
	f("tools_round_trip", "forecast service", "[SVC]", true, `"content":"the [SVC] is down"`)
	f("tools_round_trip", "I'll check the weather.", "[X]", true, `"text":"[X]"`)
	// Image URLs untouched, the text part rewritten.
	f("images", "What is in", "[Q] is in", true, `"text":"[Q] is in these images?"`)
	// Unmappable: system blocks joined, tool call arguments, an image.
	f("text_system_blocks", "You are terse.", "[S]", false)
	f("tools_round_trip", "San Francisco", "[CITY]", false)
	f("images", "cat.jpg", "dog.jpg", false)
}
