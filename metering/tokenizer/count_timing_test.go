package tokenizer

import (
	"bytes"
	"os"
	"testing"
)

func benchText(b *testing.B, name string) []byte {
	b.Helper()
	text, err := os.ReadFile("testdata/" + name + ".txt")
	if err != nil {
		b.Fatal(err)
	}
	return text
}

var sink int

// BenchmarkCount compares Count with tiktoken-go's EncodeOrdinary on ~2 KB
// prompts, in one run: go test -run '^$' -bench BenchmarkCount$ -benchtime 1s
func BenchmarkCount(b *testing.B) {
	for _, impl := range []string{"ours", "tiktoken"} {
		for _, input := range []string{"prose", "code", "cjk"} {
			text := benchText(b, input)
			b.Run(impl+"/"+input, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(text)))
				if impl == "ours" {
					e := encoderFor(b, CL100KBase)
					e.Count(text) // warm the pools
					loopWithCPU(b, len(text), func() { sink = e.Count(text) })
					return
				}
				tk, s := reference(b, CL100KBase), string(text)
				loopWithCPU(b, len(text), func() { sink = len(tk.EncodeOrdinary(s)) })
			})
		}
	}
}

// BenchmarkCountLong compares 100 KB of prose with 100 KB of hostile input
// (one long piece each) per encoding; tiktoken-go is left out (seconds per op).
func BenchmarkCountLong(b *testing.B) {
	prose := benchText(b, "prose")
	inputs := []struct {
		name string
		text []byte
	}{
		{"prose", bytes.Repeat(prose, 100_000/len(prose)+1)[:100_000]},
		{"a", bytes.Repeat([]byte("a"), 100_000)},
		{"cjk-one-rune", bytes.Repeat([]byte("日"), 100_000/3)},
		{"digits", bytes.Repeat([]byte("7"), 100_000)},
		{"spaces", bytes.Repeat([]byte(" "), 100_000)},
	}
	for _, enc := range []string{CL100KBase, O200KBase, R50KBase} {
		for _, in := range inputs {
			b.Run(enc+"/"+in.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(in.text)))
				e := encoderFor(b, enc)
				e.Count(in.text)
				loopWithCPU(b, len(in.text), func() { sink = e.Count(in.text) })
			})
		}
	}
}

// BenchmarkCountParallel measures Count under concurrency (pooled scratch).
func BenchmarkCountParallel(b *testing.B) {
	text := benchText(b, "prose")
	e := encoderFor(b, O200KBase)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			n += e.Count(text)
		}
		sink = n
	})
}

func BenchmarkCountChatJSON(b *testing.B) {
	r, _ := New(Options{})
	body := chatBody("gpt-4o", cookbookMessages)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		c, _ := r.CountChatJSON("", body)
		sink = c.Tokens
	}
}
