// Package semantic is the semantic half of Tollgate's response cache: it finds a cached answer for a request whose
// last user message means the same as an earlier one's, within the same scope (tenant, model, parameters and the
// rest of the conversation, a string the cache stage builds).
//
// Pieces, usable alone:
//   - Embedder and OpenAIEmbedder: the last user message's vector, from any OpenAI-compatible embedding endpoint.
//   - Index: exact nearest-neighbour search over unit vectors, per scope, bounded per scope and overall.
//   - Guard and GuardTag: two texts must agree on numbers, units, negations and names to share an answer.
//   - Store: the vectors in Redis beside the cache entries, so every replica can fill its index.
//   - Cache: all of them behind Lookup and Store.
//
// Requests with tools are never served semantically: the stage does not call Lookup for them (a tool call's
// arguments depend on the exact wording). See docs/cache.md, "Semantic cache", for the measured threshold.
package semantic
