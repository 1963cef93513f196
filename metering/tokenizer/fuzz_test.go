package tokenizer

import (
	"slices"
	"testing"
)

// FuzzCountMatchesTiktoken compares Count and Encode with tiktoken-go on
// random input for every encoding.
func FuzzCountMatchesTiktoken(f *testing.F) {
	for _, s := range edgeCases() {
		if len(s) < 512 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 512 || len(string([]rune(string(data)))) > 1024 {
			return // tiktoken-go is quadratic on long pieces; invalid bytes triple in size
		}
		for _, name := range allEncodings {
			want := reference(t, name).EncodeOrdinary(string(data))
			e := encoderFor(t, name)
			if got := e.Count(data); got != len(want) {
				t.Fatalf("%s Count(%q) = %d, tiktoken-go %d", name, data, got, len(want))
			}
			if got := e.Encode(data, nil); !slices.Equal(got, want) {
				t.Fatalf("%s Encode(%q) = %v, tiktoken-go %v", name, data, got, want)
			}
		}
	})
}
