// Package filters finds sensitive or hostile content in text: personal data
// (pii.*), credentials (secret.*), prompt injection (injection) and
// configured word lists (blocklist.<name>). Detectors report where and how
// sure, never the matched value: a finding carries its kind, its byte span
// in the caller's original text and a score, so nothing that leaves this
// package can leak what was found.
package filters

// Finding is one detection in a text.
type Finding struct {
	Kind  string  // "pii.email", "secret.aws_access_key", "injection", "blocklist.profanity", …
	Start int     // UTF-8 byte offset into the original (un-normalised) text
	End   int     // exclusive
	Score float64 // confidence in [0,1]; checksummed matches score 1
}
