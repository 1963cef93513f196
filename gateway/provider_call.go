package gateway

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fasthttp"
)

// The gateway side of a translated upstream (upstream.provider != nil):
// the request is built by the provider, a buffered answer or error is
// translated to OpenAI's shape before the meter and the stages read it,
// and a stream's chunks come from the provider's Stream through the
// scanner (gateway/provider_stream.go), framed as the relay expects.

// prepareProviderRequest lets d's provider write the upstream request
// from the OpenAI-shaped body.
func (x *Exchange) prepareProviderRequest(req *fasthttp.Request, d *deployment, body []byte) *APIError {
	u := d.upstream
	switch x.endpoint {
	case epChat:
		x.call = providers.Call{Endpoint: providers.Chat}
	case epEmbeddings:
		x.call = providers.Call{Endpoint: providers.Embeddings}
	default:
		return &APIError{Status: fasthttp.StatusBadRequest, Type: typeInvalidRequest, Code: "unsupported_endpoint",
			Message: "model " + x.requested.name + " is served by " + u.cfg.Kind + " upstream " + u.cfg.Name +
				", which does not offer " + x.endpoint.clientPath() + "; use /v1/chat/completions"}
	}
	x.call.Model, x.call.Stream, x.call.Body = d.upstreamModel, x.fields.Stream, body
	if err := u.provider.PrepareRequest(req, u.prefix, &x.call); err != nil {
		return providerAPIError(err, "")
	}
	return nil
}

// translateAnswer replaces resp's 2xx body with its OpenAI translation; on
// failure it returns the provider's error and leaves resp as it was.
func (x *Exchange) translateAnswer(p providers.Provider, resp *fasthttp.Response) *providers.Error {
	out, err := p.TranslateResponse(x.transBuf[:0], resp.Body(), &x.call)
	if err != nil {
		return asProviderError(err)
	}
	x.transBuf = resp.SwapBody(out)[:0] // the provider's body buffer is the next call's dst
	resp.Header.SetContentType("application/json")
	return nil
}

// translateErrorAnswer maps a non-2xx provider answer to OpenAI's error
// shape: resp gets the translated status and body (what a pass-on writes).
func translateErrorAnswer(p providers.Provider, resp *fasthttp.Response, status int) *providers.Error {
	pe := p.TranslateError(status, resp.Body())
	if pe == nil {
		pe = &providers.Error{Status: fasthttp.StatusBadGateway, Type: typeUpstream, Message: "upstream answered " + strconv.Itoa(status)}
	}
	resp.SetStatusCode(pe.Status)
	resp.Header.SetContentType("application/json")
	resp.SetBody(appendErrorJSON(nil, providerAPIError(pe, "")))
	return pe
}

// asProviderError is err as a *providers.Error; anything else a provider
// returns is an upstream answer the gateway could not use (502).
func asProviderError(err error) *providers.Error {
	if pe, ok := err.(*providers.Error); ok && pe != nil {
		return pe
	}
	return &providers.Error{Status: fasthttp.StatusBadGateway, Type: typeUpstream, Code: "upstream_invalid_response",
		Message: err.Error()}
}

// providerAPIError is the client's view of a provider error; target, when
// set, names the deployment in the message.
func providerAPIError(err error, target string) *APIError {
	pe := asProviderError(err)
	e := &APIError{Status: pe.Status, Type: pe.Type, Code: pe.Code, Param: pe.Param, Message: pe.Message, RetryAfter: pe.RetryAfter}
	if e.Status == 0 {
		e.Status = fasthttp.StatusBadGateway
	}
	if e.Type == "" {
		e.Type = typeUpstream
	}
	if target != "" {
		e.Message = "upstream " + target + ": " + e.Message
	}
	return e
}
