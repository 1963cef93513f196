// Package mockllm is an OpenAI-compatible mock upstream for Tollgate's tests, load tests and embedded default
// config.
//
// Routes (each also without the /v1 prefix):
//
//	POST /v1/chat/completions          stream and not; n, max_tokens / max_completion_tokens, stream_options
//	POST /v1/completions               prompt: string, strings, token ids or token-id arrays
//	POST /v1/embeddings                input likewise; dimensions (default 256), encoding_format float|base64
//	POST /v1/messages                  Anthropic's Messages API, stream and not: its event stream, tool_use when
//	                                   tools are given (unless the last turn brought a tool_result), usage, errors
//	                                   in its shape (x-mock-error-status 529 is overloaded_error)
//	POST /v1beta/models/{m}:generateContent|:streamGenerateContent?alt=sse|:embedContent|:batchEmbedContents
//	                                   the Gemini API (x-goog-api-key must be GeminiAPIKey); Vertex AI paths
//	                                   /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:… take a Bearer token
//	POST /model/{modelId}/converse|converse-stream|invoke   Bedrock, SigV4-verified against BedrockAccessKeyID:
//	                                   Converse, ConverseStream (event-stream frames), Titan/Cohere embeddings
//	GET  /v1/models, /v1/models/{id}   lists mock-gpt and mock-embed; any model name works everywhere
//	POST /openai/deployments/{deployment}/chat/completions|completions|embeddings?api-version=…   (Azure)
//	POST /v2/models/{name}/infer       KServe v2: a small deterministic FP32 output
//	GET  /healthz, /_mock/stats        liveness; Stats as JSON for another process
//
// Output is deterministic: a hash of the prompt (and Options.Seed and the request's seed) picks words from a
// fixed vocabulary whose every word is one token in cl100k_base and o200k_base, so completion_tokens equals the
// number of words. prompt_tokens follows OpenAI's cookbook rule with cl100k_base (see chat.go).
//
// Per-request knobs, as headers, override Options:
//
//	x-mock-latency-ms      delay before response headers
//	x-mock-ttft-ms         extra delay before the first streamed chunk
//	x-mock-tokens-per-sec  stream pacing
//	x-mock-error-rate      probability of an injected error (1 = always)
//	x-mock-refusal-rate    chats: probability of a refusal instead of an answer (a hash of the prompt and
//	                       Options.Seed draws it, so the same prompt always gets the same answer)
//	x-mock-error-status    status of injected errors, e.g. 429, 500, 503
//	x-mock-retry-after     Retry-After value (seconds) sent with injected errors
//	x-mock-tokens          completion length when max_tokens does not cut it
//	x-mock-fail-after      stream: break the connection after N data events, without [DONE];
//	                       non-stream: send N bytes of the promised body, then close
//	x-mock-no-usage: 1     omit usage everywhere
//	x-mock-garbage: 1      answer 200 with a body (or SSE event) that is not JSON
//	x-mock-embeddings      random (default) or lexical: hashed word uni- and bi-grams, so similar texts get
//	                       similar vectors (see EmbeddingsLexical)
//	x-mock-gate: NAME      hold the request at Server.Gate(NAME) (see Gate)
//
// Options.PlantedBias (mockllm --planted-bias 'terms=A|B,effect=refusal|negative|short,rate=R') degrades the answers
// to chats that mention a term, for validating bias probes (planted_bias.go); it has no per-request knob.
//
// Unknown x-mock-* headers and bad values get a 400, so a misspelt knob fails a test instead of being ignored.
package mockllm
