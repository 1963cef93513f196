package anthropic

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/providers"
)

const name = "anthropic"

// unsupported is the 400 for a request field the Messages API cannot
// express.
func unsupported(field, why string) *providers.Error {
	msg := "anthropic: " + why
	if field != "" {
		msg = "anthropic: field '" + field + "' " + why
	}
	return &providers.Error{Status: 400, Type: "invalid_request_error", Code: "unsupported_parameter", Param: field, Message: msg}
}

// invalid is the 400 for a request that is wrong whatever the provider.
func invalid(field, why string) *providers.Error {
	return &providers.Error{Status: 400, Type: "invalid_request_error", Code: "invalid_request", Param: field,
		Message: "anthropic: " + why}
}

// malformed is the 502 for an answer the translation cannot read.
func malformed(what string) *providers.Error {
	return &providers.Error{Status: 502, Type: "upstream_error", Code: "upstream_invalid_response",
		Message: "anthropic: " + what}
}

// TranslateError maps an Anthropic error answer
// ({"type":"error","error":{"type","message"}}) to OpenAI's terms.
func (p *Provider) TranslateError(status int, body []byte) *providers.Error {
	var typ, msg []byte
	ps := p.parsers.Get()
	if v, err := ps.ParseBytes(body); err == nil {
		typ, msg = v.GetStringBytes("error", "type"), v.GetStringBytes("error", "message")
	}
	e := errorFor(status, string(typ), string(msg))
	p.parsers.Put(ps)
	return e
}

// errorFor maps an Anthropic error type and HTTP status (0 inside a
// stream) to the OpenAI status, type and the retry verdict.
func errorFor(status int, typ, msg string) *providers.Error {
	if msg == "" {
		msg = "no error message"
	}
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	e := &providers.Error{Status: status, Type: "invalid_request_error", Message: "anthropic: " + msg}
	if typ != "" {
		e.Message = "anthropic " + typ + ": " + msg
	}
	switch {
	case typ == "overloaded_error" || status == 529:
		e.Status, e.Type, e.Code, e.Retryable = 503, "upstream_error", "upstream_overloaded", true
	case typ == "rate_limit_error" || status == 429:
		e.Status, e.Type, e.Code, e.Retryable = 429, "rate_limit_error", "rate_limit_exceeded", true
	case typ == "authentication_error" || status == 401:
		e.Status, e.Type = 401, "authentication_error"
	case typ == "permission_error" || status == 403:
		e.Status, e.Type = 403, "permission_error"
	case typ == "not_found_error" || status == 404:
		e.Status, e.Code = 404, "not_found"
	case typ == "request_too_large" || status == 413:
		e.Status, e.Code = 413, "request_too_large"
	case typ == "timeout_error" || status == 504:
		e.Status, e.Type, e.Code, e.Retryable = 504, "upstream_error", "upstream_timeout", true
	case typ == "api_error" || status >= 500:
		e.Status, e.Type, e.Code, e.Retryable = 502, "upstream_error", "upstream_error", true
	case typ == "invalid_request_error" || status >= 400:
		if status < 400 {
			e.Status = 400
		}
	default: // a stream's error event of a type this code does not know
		e.Status, e.Type, e.Code, e.Retryable = 502, "upstream_error", "upstream_error", true
	}
	if e.Code == "" && status != 0 && status != e.Status {
		e.Code = "anthropic_" + strconv.Itoa(status)
	}
	return e
}
