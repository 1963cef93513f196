// Package messagesapi serves Anthropic's Messages API on top of the
// gateway's OpenAI-shaped pipeline: the INBOUND direction. It translates a
// client's Messages request into the OpenAI chat request the pipeline runs
// on (TranslateRequest), the OpenAI answer back into an Anthropic message
// (AppendMessage), and an OpenAI chunk stream into Anthropic's event
// sequence one event at a time (Stream). Errors go out in Anthropic's
// shape (AppendError, ErrorType).
//
// Mapping decisions the OpenAI shape forces (see docs/messages-api.md):
//   - top_k has no OpenAI equivalent and OpenAI rejects unknown parameters:
//     it is not forwarded; the gateway names it in x-tollgate-ignored.
//   - thinking.budget_tokens becomes reasoning_effort: under 4096 "low",
//     under 16384 "medium", else "high"; thinking disabled sends nothing.
//   - thinking and redacted_thinking blocks of earlier assistant turns have
//     no OpenAI form and are dropped (Anthropic ignores most of them too);
//     cache_control marks are dropped. Native forwarding to an anthropic
//     upstream keeps both.
//   - a tool_result with is_error is sent as a tool message whose text
//     starts with "Error: ".
//   - OpenAI does not say which stop sequence matched: a "stop" finish is
//     end_turn, stop_sequence stays null.
//   - block types with no OpenAI form (document, server tools, search
//     results) and server tools in "tools" are a 400 naming the field.
//
// Every function is safe for concurrent use; a Stream is one request's.
package messagesapi
