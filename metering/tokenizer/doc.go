// Package tokenizer counts prompt tokens offline, exactly as
// github.com/pkoukk/tiktoken-go v0.1.8 with its offline loader does, for the
// encodings o200k_base, cl100k_base, p50k_base and r50k_base, but an order of
// magnitude faster, without allocations, and in near-linear time on hostile
// input.
//
// Pipeline: invalid UTF-8 bytes become U+FFFD (as Go's []rune conversion in
// tiktoken-go does); a hand-written scanner per encoding reproduces the split
// of the encoding's regex, backtracking semantics included (pretokenize.go);
// each piece is then a single token lookup, a short quadratic merge (≤ 24
// bytes, bpe.go) or a backtracking encoder over precomputed merge tables
// (backtrack.go), with a heap merge as the fallback while those tables build.
//
// Ranks come from github.com/pkoukk/tiktoken-go-loader's embedded files, once
// per encoding and process, on first use; nothing is downloaded.
//
// Registry maps model names to encodings (models.go) and counts chat requests
// with OpenAI's per-message overheads (chat.go, chatjson.go).
package tokenizer
