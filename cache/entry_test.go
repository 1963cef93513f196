package cache

import (
	"bytes"
	"testing"

	"github.com/tollgate-ai/tollgate/metering"
)

func TestEntryRoundTripAndCorruption(t *testing.T) {
	e := &Entry{Kind: KindChat, Model: "gpt-x", Usage: metering.Usage{PromptTokens: 3, CompletionTokens: 9},
		Body: bytes.Repeat([]byte(`{"a":"some text"}`), 50)}
	b := e.Encode(nil)
	got, err := DecodeEntry(b)
	if err != nil || got.Kind != e.Kind || got.Model != e.Model || got.Usage != e.Usage || !bytes.Equal(got.Body, e.Body) {
		t.Fatalf("%+v %v", got, err)
	}
	if len(b) >= len(e.Body) {
		t.Errorf("encoded %d bytes for a %d byte body: not compressed", len(b), len(e.Body))
	}
	for i := 0; i < len(b); i++ { // every truncation
		if _, err := DecodeEntry(b[:i]); err == nil {
			t.Fatalf("truncated to %d bytes decoded", i)
		}
	}
	for i := 0; i < len(b); i++ { // every single flipped byte
		c := bytes.Clone(b)
		c[i] ^= 0x41
		if d, err := DecodeEntry(c); err == nil && (!bytes.Equal(d.Body, e.Body) || d.Model != e.Model || d.Usage != e.Usage) {
			t.Fatalf("flipped byte %d decoded to a different entry", i)
		}
	}
}
