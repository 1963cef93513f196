// Package providers translates between the gateway's OpenAI-shaped requests
// and answers and other providers' wire formats (Anthropic Messages, Gemini,
// Bedrock Converse). The gateway's stages only ever see OpenAI shapes: a
// Provider sits below them, between the forwarded body and the upstream.
//
// Each provider lives in its own subpackage (providers/anthropic,
// providers/gemini, providers/bedrock) and registers nothing globally: the
// gateway builds one Provider per configured upstream of that kind.
package providers

import (
	"io"

	"github.com/valyala/fasthttp"
)

// Endpoint is the OpenAI API the client called.
type Endpoint uint8

const (
	Chat Endpoint = iota + 1
	Embeddings
)

// Call is one upstream attempt as the gateway sees it.
type Call struct {
	Endpoint Endpoint
	// Model is the deployment's upstream model id (the provider's name).
	Model string
	// Stream is true when the client asked for a stream.
	Stream bool
	// Body is the OpenAI-shaped request body as the gateway would forward
	// it to an OpenAI upstream (its edits applied: model, max_tokens cap,
	// stream_options.include_usage). Borrowed for the call.
	Body []byte
}

// Provider translates one upstream's traffic. Implementations are safe for
// concurrent use and keep no per-request state outside the values they
// return.
type Provider interface {
	// PrepareRequest writes the provider's request into req: method, URI
	// path and query (under base, the upstream's base URL path without a
	// trailing slash), headers including the upstream's credentials
	// (signing, when the provider signs, happens here, last), and the
	// translated body. The gateway has already set scheme and host. A
	// request the provider cannot express returns an *Error with Status 400
	// that names the field and the provider; it is never silently dropped.
	PrepareRequest(req *fasthttp.Request, base string, c *Call) error

	// TranslateResponse appends the OpenAI-shaped answer (a
	// chat.completion or an embeddings list) for a 2xx provider body to dst.
	// A body it cannot read is an *Error with Status 502.
	TranslateResponse(dst []byte, body []byte, c *Call) ([]byte, error)

	// TranslateError maps a non-2xx provider answer (status and body) to
	// the OpenAI-shaped error the client gets and the retry rules act on.
	TranslateError(status int, body []byte) *Error

	// NewStream decodes a 2xx streamed answer read from r (the upstream's
	// body stream) into OpenAI chat.completion.chunk events.
	NewStream(r io.Reader, c *Call) Stream
}

// Stream yields the OpenAI chunks of one translated stream.
type Stream interface {
	// Next returns the JSON of the next chat.completion.chunk (no "data: "
	// framing), valid until the next call. After the provider's last event
	// it returns one chunk carrying "usage" (choices empty), as OpenAI does
	// with stream_options.include_usage (the gateway hides it from a client
	// that did not ask), then io.EOF; the gateway writes [DONE]. A provider
	// error event or a malformed frame returns an *Error (the stream ends
	// with an error event; what was relayed is billed). A read error from r
	// is returned as it is (timeouts and client cancels are the gateway's).
	Next() ([]byte, error)
	// Close releases the decoder's buffers; it does not close r.
	Close()
}

// Error is a provider's failure in OpenAI's terms.
type Error struct {
	Status  int    // HTTP status the client gets (400, 401, 403, 404, 413, 429, 500, 502, 503, 504)
	Type    string // OpenAI error type: invalid_request_error, authentication_error, rate_limit_error, api_error, ...
	Code    string // optional OpenAI error code (e.g. "content_filter", "unsupported_parameter")
	Param   string // the request field at fault, when known
	Message string // useful to the client; never holds credentials
	// Retryable says the gateway may try this request again elsewhere
	// (overload, throttling, 5xx, timeouts); an invalid request is not.
	Retryable bool
	// RetryAfter in seconds from the provider, 0 when not given.
	RetryAfter int
}

func (e *Error) Error() string { return e.Message }
