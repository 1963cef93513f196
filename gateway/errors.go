package gateway

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/oaierror"
	"github.com/valyala/fasthttp"
)

// APIError is an error a client sees, in OpenAI's JSON shape. Stages return
// it (or a sentinel the gateway maps to it) and the edge writes it once.
type APIError struct {
	Status     int
	Type       string
	Code       string
	Param      string
	Message    string
	RetryAfter int // seconds; 0 = no Retry-After header
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Error types, as OpenAI names them.
const (
	typeInvalidRequest = "invalid_request_error"
	typeAuth           = "authentication_error"
	typePermission     = "permission_error"
	typeNotFound       = "not_found_error"
	typeRateLimit      = "rate_limit_error"
	typeServer         = "server_error"
	typeUpstream       = "upstream_error"
)

func errInvalid(param, msg string) *APIError {
	return &APIError{Status: fasthttp.StatusBadRequest, Type: typeInvalidRequest, Code: "invalid_request", Param: param, Message: msg}
}

// appendErrorJSON appends {"error":{…}} (the shape the mock LLM writes too).
func appendErrorJSON(dst []byte, e *APIError) []byte {
	b := oaierror.Body{Message: e.Message, Type: e.Type, Code: e.Code, Param: e.Param}
	return b.Append(dst)
}

// writeError answers the request with e.
func writeError(ctx *fasthttp.RequestCtx, e *APIError) {
	ctx.Response.ResetBody()
	ctx.SetStatusCode(e.Status)
	ctx.SetContentType("application/json")
	if e.RetryAfter > 0 {
		ctx.Response.Header.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	ctx.Response.SetBodyRaw(appendErrorJSON(make([]byte, 0, 160+len(e.Message)), e))
}

// appendErrorEvent appends the SSE event that ends a stream which already
// started: clients see the error instead of a silently truncated answer.
func appendErrorEvent(dst []byte, e *APIError) []byte {
	dst = append(dst, "data: "...)
	dst = appendErrorJSON(dst, e)
	return append(dst, "\n\n"...)
}
