package gemini

import (
	"strconv"
	"strings"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fastjson"
)

// TranslateError implements providers.Provider: Google's
// {"error":{"code","message","status","details"}} by its status name,
// else by the HTTP status.
func (p *Provider) TranslateError(status int, body []byte) *providers.Error {
	ps := parsers.Get()
	defer parsers.Put(ps)
	v, err := ps.ParseBytes(body)
	if err == nil && v.Type() == fastjson.TypeArray && len(v.GetArray()) > 0 {
		v = v.GetArray()[0] // streaming endpoints wrap the error in an array
	}
	if err != nil || v.Get("error") == nil {
		msg := "gemini: upstream status " + strconv.Itoa(status)
		return wire.FromStatus(mapStatus(status), msg)
	}
	return rpcError(status, v.Get("error"))
}

// mapStatus keeps the statuses OpenAI's clients know; anything else 5xx
// is a 502 from the gateway's side.
func mapStatus(status int) int {
	switch status {
	case 400, 401, 403, 404, 408, 413, 429, 500, 503, 504:
		return status
	}
	if status >= 500 {
		return 502
	}
	return 400
}

// rpcError maps a google.rpc status (an error object) to OpenAI's terms.
func rpcError(httpStatus int, ev *fastjson.Value) *providers.Error {
	code := string(ev.GetStringBytes("status"))
	status := httpStatus
	switch code {
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE":
		status = 400
	case "UNAUTHENTICATED":
		status = 401
	case "PERMISSION_DENIED":
		status = 403
	case "NOT_FOUND":
		status = 404
	case "RESOURCE_EXHAUSTED":
		status = 429
	case "UNAVAILABLE":
		status = 503
	case "INTERNAL", "UNKNOWN", "DATA_LOSS":
		status = 500
	case "DEADLINE_EXCEEDED":
		status = 504
	case "CANCELLED":
		status = 499
	default:
		if status == 0 {
			status = ev.GetInt("code")
		}
	}
	if status == 499 || status == 0 {
		status = 502
	}
	msg := "gemini: " + string(ev.GetStringBytes("message"))
	if code != "" {
		msg += " (" + code + ")"
	}
	e := wire.FromStatus(mapStatus(status), msg)
	e.RetryAfter = retryDelay(ev)
	return e
}

// retryDelay reads google.rpc.RetryInfo's retryDelay ("30s") in seconds.
func retryDelay(ev *fastjson.Value) int {
	for _, d := range ev.GetArray("details") {
		if !strings.HasSuffix(string(d.GetStringBytes("@type")), "google.rpc.RetryInfo") {
			continue
		}
		s := strings.TrimSuffix(string(d.GetStringBytes("retryDelay")), "s")
		f, err := strconv.ParseFloat(s, 64)
		if err == nil && f > 0 {
			return int(f + 0.999)
		}
	}
	return 0
}
