//go:build !race

package tokenizer

import (
	"os"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestSteadyStateAllocations(t *testing.T) {
	prose, err := os.ReadFile("testdata/prose.txt")
	if err != nil {
		t.Fatal(err)
	}
	long := []byte(strings.Repeat("a", 10_000))
	invalid := []byte("caf\xe9 \xff\xfe ok")
	r, _ := New(Options{})
	body := chatBody("gpt-4o", cookbookMessages)
	f := func(name string, fn func()) {
		t.Helper()
		fn() // warm the pools and the model cache
		if n := testing.AllocsPerRun(50, fn); n != 0 {
			t.Fatalf("%s: %.1f allocs per run, want 0", name, n)
		}
	}
	for _, name := range allEncodings {
		e := encoderFor(t, name)
		f(name+" prose", func() { e.Count(prose) })
		f(name+" long run", func() { e.Count(long) })
		f(name+" invalid UTF-8", func() { e.Count(invalid) })
	}
	f("ForModel", func() { _, _ = r.ForModel("gpt-4o-2024-08-06") })
	f("CountChat", func() { _, _ = r.CountChat("gpt-4o", cookbookMessages, nil) })
	f("CountChatJSON", func() { _, _ = r.CountChatJSON("gpt-4o", body) })
	var p fastjson.Parser
	v, _ := p.ParseBytes(body)
	f("CountChatValue", func() { _, _ = r.CountChatValue("gpt-4o", v) })
}
