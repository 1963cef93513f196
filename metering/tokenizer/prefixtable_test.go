package tokenizer

import "testing"

func TestPrefixTableHoldsTokensAndPrefixes(t *testing.T) {
	pt := newPrefixTable(1) // forces several grows
	keys := map[string]int32{"a": 1, "ab": -1, "abc": 3, "日": 4, "\x00": 5}
	for k, v := range keys {
		pt.put(k, v)
		pt.put(k, 99) // a second put keeps the first value
	}
	for k, v := range keys {
		if got, ok := pt.get([]byte(k), fnvHash([]byte(k))); !ok || got != v {
			t.Fatalf("get(%q) = %d, %v; want %d", k, got, ok, v)
		}
	}
	for _, k := range []string{"b", "abcd", "日本", "\x00\x00"} {
		if _, ok := pt.get([]byte(k), fnvHash([]byte(k))); ok {
			t.Fatalf("get(%q) found a key never put", k)
		}
	}
}
