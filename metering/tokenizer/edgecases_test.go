package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// edgeCases are generated inputs that exercise each regex alternative and the
// backtracking corners of the pre-tokenizers.
func edgeCases() []string {
	cases := []string{
		"", " ", "  ", "\t", "\n", "\r\n", "\r", " \n ", "a \n b", "a  b", "a   \tb", "a \t\n\t b", "end   ",
		"\n\n\n", "\r\n\r\n  \r\n", " \r \n x", "x\u3000\u3000y", "x\u00a0y", "x\u0085y", "\u2028\u2029",
		"1", "12", "123", "1234", "1234567", " 123 4567", "٣٤٥٦", "①②③④", "½¾", "x1y22z333",
		"'s 't 're 've 'm 'll 'd", "'S 'T 'RE 'VE 'M 'LL 'D", "'Re 'rE 'Ll 'lL 'Ve", "it's they're I'M WE'LL",
		"'x 'r 'l 'v ''s '", "don't", "DON'T", "O'Neil's", "'sa'tb", "ſ'ſ 'ſ", "İ'S", "a'S", "ǅ'S",
		"Hello, World!", "HELLO world", "HelloWorld", "hELLO", "ǅungla ǅUNGLA", "ʰʰʰ", "Aʰb", "AʰB", "ABCʰ",
		"x́ý", "e\u0301\u0301\u0301", "\u0301abc", " \u0301", "\u0301\u0301", "A\u0301B", "a\u0301'S",
		"日本語のテキスト", "中文，测试。", "한국어 텍스트", "Привет, мир", "مرحبا بالعالم", "שלום",
		"🙂", "👍🏽", "👨‍👩‍👧‍👦", "🇩🇪🇫🇷", "a🙂b", " 🙂🙂 ", "🙂\n",
		"!!!", " !!!", "!!!\n\n", "!!/\n/x", " ///", "a/b//c", "?\r\n", " ?!\r\r\n\n", "(x) [y] {z}",
		"<|endoftext|>", "x<|endoftext|>y<|fim_prefix|><|endofprompt|>", "<|im_start|>user",
		"\xff", "\xff\xfe\xfd", "a\xc3", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\x80ok", "\xe2\x82",
		"func main() {\n\tfmt.Println(\"hi\")\n}\n", "    indented\n        more\n",
		"$x = 1_000_000; // comment\r\n", "SELECT * FROM t WHERE a='b';",
	}
	for _, r := range []string{"a", " ", "\n", "1", "!", "日", "🙂", "\u0301", "A", "'", "ab", "\r\n", " a", "\xff"} {
		for _, n := range []int{2, 3, 63, 64, 65, 200, 3000} {
			cases = append(cases, strings.Repeat(r, n))
		}
	}
	return cases
}

func TestEncodeMatchesTiktokenOnEdgeCases(t *testing.T) {
	for _, name := range allEncodings {
		ref, ours := reference(t, name), encoderFor(t, name)
		for _, s := range edgeCases() {
			want := ref.EncodeOrdinary(s)
			if got := ours.Encode([]byte(s), nil); !slices.Equal(got, want) {
				t.Errorf("%s Encode(%q) = %v, tiktoken-go %v", name, prefix(s), got, want)
			}
			if got := ours.CountString(s); got != len(want) {
				t.Errorf("%s Count(%q) = %d, tiktoken-go %d", name, prefix(s), got, len(want))
			}
		}
	}
}

// TestSpecialTokensCountAsText checks that special-token strings are plain
// text: the same as tiktoken-go's Encode with no special tokens allowed.
func TestSpecialTokensCountAsText(t *testing.T) {
	const s = "a<|endoftext|>b <|fim_prefix|><|endofprompt|>"
	for _, name := range allEncodings {
		want := reference(t, name).Encode(s, nil, nil)
		if got := encoderFor(t, name).Encode([]byte(s), nil); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

// TestEveryRuneClassMatchesTiktoken puts one rune of every distinct class
// signature between contexts that reveal how it splits.
func TestEveryRuneClassMatchesTiktoken(t *testing.T) {
	buildClasses()
	seen := map[uint8]int{}
	var runes []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		c := classOf(r)
		if seen[c] < 40 {
			seen[c]++
			runes = append(runes, r)
		}
		if unicode.IsSpace(r) != (c&clsSpace != 0) || unicode.IsLetter(r) != (c&clsL != 0) || unicode.IsNumber(r) != (c&clsN != 0) {
			t.Fatalf("class table disagrees with package unicode at %U", r)
		}
	}
	for _, name := range allEncodings {
		ref, ours := reference(t, name), encoderFor(t, name)
		for _, r := range runes {
			for _, tmpl := range []string{"%", "a%b", "A%B", " %", "%'s", "1%2", "% %", "!%!", "%\n", "%%x"} {
				s := strings.ReplaceAll(tmpl, "%", string(r))
				if got, want := ours.CountString(s), len(ref.EncodeOrdinary(s)); got != want {
					t.Errorf("%s %q: Count %d, tiktoken-go %d", name, s, got, want)
				}
			}
		}
	}
}
