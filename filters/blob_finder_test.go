package filters

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// blobRunsBytewise lists the candidate runs the way the finder defines
// them, one byte at a time: every maximal run of base64 characters of at
// least minBase64Blob, or of at least 6 followed by '='.
func blobRunsBytewise(b []byte) [][3]int {
	var out [][3]int
	for i := 0; i < len(b); {
		if b64Class[b[i]] == 0 {
			i++
			continue
		}
		j := i
		for j < len(b) && b64Class[b[j]] != 0 {
			j++
		}
		end := j
		for end < len(b) && end-j < 2 && b[end] == '=' {
			end++
		}
		if n := j - i; n >= minBase64Blob || end > j && n >= 6 {
			out = append(out, [3]int{i, j, end})
		}
		i = end
	}
	return out
}

// The finder, which looks at every 12th byte and at each '=', finds the
// same runs as classifying every byte.
func TestBlobFinderMatchesBytewise(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "Z", "0", "+", "/", "-", "_", "=", "==", " ", ".", "\n", "aGVsbG8gd29ybGQ", "abcdef", "abcdefghijk",
		"abcdefghijkl", "c2x1dA==", "xyz=", "é"}
	texts := []string{"", "=", "abcdef=", "abcdefghijkl", "abcde=", string(prose(t, 4096))}
	for range 5000 {
		var sb strings.Builder
		for range rng.IntN(40) {
			if rng.IntN(3) == 0 {
				sb.WriteString(strings.Repeat("q", rng.IntN(20)))
			} else {
				sb.WriteString(pieces[rng.IntN(len(pieces))])
			}
		}
		texts = append(texts, sb.String())
	}
	for _, text := range texts {
		b := []byte(text)
		want := blobRunsBytewise(b)
		var got [][3]int
		var f blobFinder
		for i := 0; ; {
			var j, end int
			if i, j, end = f.next(b, i); i < 0 {
				break
			}
			got = append(got, [3]int{i, j, end})
			i = end
		}
		if len(got) != len(want) {
			t.Fatalf("%q: finder %v, bytewise %v", text, got, want)
		}
		for k := range got {
			if got[k] != want[k] {
				t.Fatalf("%q: finder %v, bytewise %v", text, got, want)
			}
		}
	}
}
