package wire

import (
	"net/http"

	"github.com/tollgate-ai/tollgate/providers"
)

// Unsupported is the 400 for a request field the provider cannot express:
// it names the field and the provider, never a silent drop.
func Unsupported(provider, field, why string) *providers.Error {
	msg := provider + " cannot express " + field
	if why != "" {
		msg += ": " + why
	}
	return &providers.Error{Status: http.StatusBadRequest, Type: "invalid_request_error",
		Code: "unsupported_parameter", Param: field, Message: msg}
}

// Invalid is the 400 for a request field whose value is malformed.
func Invalid(provider, field, why string) *providers.Error {
	return &providers.Error{Status: http.StatusBadRequest, Type: "invalid_request_error",
		Param: field, Message: provider + ": invalid " + field + ": " + why}
}

// Malformed is the 502 for a provider answer or frame that cannot be read.
func Malformed(provider, what string) *providers.Error {
	return &providers.Error{Status: http.StatusBadGateway, Type: "api_error", Code: "bad_upstream_response",
		Message: provider + ": malformed upstream answer: " + what}
}

// FromStatus fills the OpenAI type and retryability for an HTTP status,
// the rules the gateway applies to OpenAI's own answers.
func FromStatus(status int, message string) *providers.Error {
	e := &providers.Error{Status: status, Message: message}
	switch {
	case status == http.StatusUnauthorized:
		e.Type = "authentication_error"
	case status == http.StatusForbidden:
		e.Type = "permission_error"
	case status == http.StatusNotFound:
		e.Type = "not_found_error"
	case status == http.StatusTooManyRequests:
		e.Type, e.Code, e.Retryable = "rate_limit_error", "rate_limit_exceeded", true
	case status == http.StatusRequestTimeout:
		e.Type, e.Retryable = "timeout", true
	case status >= 500:
		e.Type, e.Retryable = "api_error", true
	default:
		e.Type = "invalid_request_error"
	}
	return e
}
