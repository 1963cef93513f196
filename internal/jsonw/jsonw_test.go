package jsonw

import (
	"encoding/json"
	"testing"
)

func TestString(t *testing.T) {
	f := func(in string) {
		t.Helper()
		out := String(nil, in)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q -> invalid JSON %s: %v", in, out, err)
		}
		want, _ := json.Marshal(in) // encoding/json also maps bad UTF-8 to U+FFFD
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q round-tripped to %q, want %q", in, back, wantBack)
		}
	}
	f("")
	f("plain")
	f(`quote " and \ backslash`)
	f("ctl \x00\x01\x1f\n\r\t")
	f("unicode é 世界 🎉")
	f("bad \xff\xfe utf8")
}

func FuzzString(f *testing.F) {
	f.Add("a\"b\\c\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid(String(nil, s)) {
			t.Fatalf("invalid JSON for %q", s)
		}
	})
}
