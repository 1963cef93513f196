// Package wire holds the pieces the gemini and bedrock translations share:
// OpenAI-shaped errors for what a provider cannot express, the
// chat.completion and chunk envelopes, usage, data URLs and an SSE reader.
// Everything appends to a caller's buffer (dst in, dst out).
package wire
