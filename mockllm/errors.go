package mockllm

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/oaierror"
	"github.com/valyala/fasthttp"
)

// apiError is an answer in OpenAI's error shape: {"error":{"message","type","code","param"}}.
type apiError struct {
	status  int
	message string
	typ     string
	code    string // "" = null
	param   string // "" = null
}

func (e *apiError) Error() string { return e.message }

func badRequest(param, format string) *apiError {
	return &apiError{status: fasthttp.StatusBadRequest, message: format, typ: "invalid_request_error", param: param}
}

// injectedError describes an error injected by ErrorRate with the type and code OpenAI uses for that status.
func injectedError(status int) apiError {
	e := apiError{status: status, message: "mockllm: injected error with status " + strconv.Itoa(status)}
	switch {
	case status == fasthttp.StatusTooManyRequests:
		e.typ, e.code = "rate_limit_error", "rate_limit_exceeded"
	case status == fasthttp.StatusUnauthorized:
		e.typ, e.code = "authentication_error", "invalid_api_key"
	case status == fasthttp.StatusServiceUnavailable:
		e.typ, e.code = "server_error", "service_unavailable"
	case status >= 500:
		e.typ = "server_error"
	default:
		e.typ = "invalid_request_error"
	}
	return e
}

func (e *apiError) appendJSON(dst []byte) []byte {
	b := oaierror.Body{Message: e.message, Type: e.typ, Code: e.code, Param: e.param}
	return b.Append(dst)
}

// writeError answers e; 4xx answers not injected on purpose are counted as bad requests by the caller.
func writeError(ctx *fasthttp.RequestCtx, e *apiError) {
	ctx.Response.Header.SetContentType("application/json")
	ctx.SetStatusCode(e.status)
	bb := bufPool.Get()
	bb.B = e.appendJSON(bb.B[:0])
	ctx.SetBody(bb.B)
	bufPool.Put(bb)
}
