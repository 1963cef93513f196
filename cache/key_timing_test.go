package cache

import "testing"

// BenchmarkCanonicalKey4KB: canonicalising a 4 KB chat request (parse,
// sorted keys, re-escaped strings) and hashing it with its key parts.
func BenchmarkCanonicalKey4KB(b *testing.B) {
	body := request4KB()
	parts := KeyParts{Endpoint: "chat", Scope: "acme", Model: "gpt-4o"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		d, _, ok := DigestBody(body)
		if !ok {
			b.Fatal("not keyed")
		}
		_ = MakeKey(&parts, &d)
	}
}
