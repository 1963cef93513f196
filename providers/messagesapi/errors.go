package messagesapi

import "github.com/tollgate-ai/tollgate/internal/jsonw"

// Anthropic's error types (https://docs.anthropic.com/en/api/errors).
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeAuthentication = "authentication_error"
	TypePermission     = "permission_error"
	TypeNotFound       = "not_found_error"
	TypeTooLarge       = "request_too_large"
	TypeRateLimit      = "rate_limit_error"
	TypeAPI            = "api_error"
	TypeOverloaded     = "overloaded_error"
)

// Error is a request the translation refuses, in Anthropic's terms.
type Error struct {
	Status  int
	Type    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func invalid(msg string) *Error {
	return &Error{Status: 400, Type: TypeInvalidRequest, Message: msg}
}

// ErrorType is the Anthropic error type for an HTTP status the gateway
// answers with: 401 authentication, 403 permission, 404 not found, 413 too
// large, 429 rate limit, 503 and 529 overloaded, other 5xx api_error, any
// other 4xx an invalid request.
func ErrorType(status int) string {
	switch status {
	case 401:
		return TypeAuthentication
	case 403:
		return TypePermission
	case 404:
		return TypeNotFound
	case 413:
		return TypeTooLarge
	case 429:
		return TypeRateLimit
	case 503, 529:
		return TypeOverloaded
	}
	if status >= 500 {
		return TypeAPI
	}
	return TypeInvalidRequest
}

// AppendError appends {"type":"error","error":{"type":…,"message":…}}.
func AppendError(dst []byte, typ, msg string) []byte {
	dst = append(dst, `{"type":"error","error":{"type":`...)
	dst = jsonw.String(dst, typ)
	dst = append(dst, `,"message":`...)
	dst = jsonw.String(dst, msg)
	return append(dst, `}}`...)
}

// AppendErrorEvent appends the SSE error event that ends a stream.
func AppendErrorEvent(dst []byte, typ, msg string) []byte {
	dst = append(dst, "event: error\ndata: "...)
	dst = AppendError(dst, typ, msg)
	return append(dst, "\n\n"...)
}
