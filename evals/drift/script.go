package drift

import "unicode"

// scripts are the Unicode scripts the script-mix feature tells apart;
// letters of any other script count as "other".
var scripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"latin", unicode.Latin},
	{"cyrillic", unicode.Cyrillic},
	{"han", unicode.Han},
	{"hiragana", unicode.Hiragana},
	{"katakana", unicode.Katakana},
	{"hangul", unicode.Hangul},
	{"arabic", unicode.Arabic},
	{"hebrew", unicode.Hebrew},
	{"greek", unicode.Greek},
	{"devanagari", unicode.Devanagari},
	{"thai", unicode.Thai},
}

// dominantScript is the script of most letters in s ("none" without
// letters): a language-mix feature that needs no language model.
func dominantScript(s string) string {
	var counts [16]int
	other := len(scripts)
	for _, r := range s {
		if r < 0x80 {
			if r|0x20 >= 'a' && r|0x20 <= 'z' {
				counts[0]++
			}
			continue
		}
		if !unicode.IsLetter(r) {
			continue
		}
		k := other
		for i, sc := range scripts {
			if unicode.Is(sc.table, r) {
				k = i
				break
			}
		}
		counts[k]++
	}
	best, bestN := -1, 0
	for i := 0; i <= other; i++ {
		if counts[i] > bestN {
			best, bestN = i, counts[i]
		}
	}
	switch {
	case best < 0:
		return "none"
	case best == other:
		return "other"
	}
	return scripts[best].name
}
