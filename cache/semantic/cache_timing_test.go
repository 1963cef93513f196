package semantic

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// BenchmarkEmbedRoundTrip: one OpenAIEmbedder call against the in-memory mock (lexical, 256 and 1536 dimensions):
// request rendering, the mock's work, the JSON parse of the vector.
func BenchmarkEmbedRoundTrip(b *testing.B) {
	for _, dims := range []int{256, 1536} {
		b.Run(fmt.Sprint("dims=", dims), func(b *testing.B) {
			e := mockEmbedder(b, mockllm.Options{}, OpenAIEmbedderOptions{Dimensions: dims})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Embed(ctx, "How do I reset my password on the website?"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLookup: Cache.Lookup on a scope of 1000 entries, with the embedding remembered (the index, the guard
// tag and the memo) and with a fresh embedding call each time (all of a real lookup but the network).
func BenchmarkLookup(b *testing.B) {
	e := mockEmbedder(b, mockllm.Options{}, OpenAIEmbedderOptions{})
	c := New(Options{Embedder: e})
	ctx := context.Background()
	for i := range 1000 {
		if _, err := c.Store(ctx, "s", fmt.Sprintf("Question number %d about topic %d and detail %d", i, i%37, i%11), fmt.Sprint("e", i), time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("memo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Lookup(ctx, "s", "Question number 500 about topic 19 and detail 5", 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("embed", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, err := c.Lookup(ctx, "s", fmt.Sprintf("Another question %d", i), 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}
