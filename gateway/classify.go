package gateway

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// upstreamResult is what one upstream call produced, reduced to the facts
// that decide its fate. attempt gathers them (the I/O); classify judges
// them without I/O or the Exchange, so each case is a row of a table test.
type upstreamResult struct {
	model, target string // the requested model and the deployment, for messages
	err           error  // no answer, or its body could not be buffered
	status        int
	eventStream   bool   // the answer is text/event-stream
	wantStream    bool   // the client asked for a stream
	first         []byte // a relayed stream's first event
	firstErr      error  // the read error that came with it
	validBody     bool   // a buffered 2xx answer is JSON (pass-through: not checked, always true)
	clientGone    bool   // the client hung up; probed only when silent, as it costs a syscall
	pastDeadline  bool   // the total timeout had expired when the call returned
	retryAfter    int    // an error answer's Retry-After, in seconds
	body          []byte // an error answer's body, for its message
	// provErr is a translated upstream's error answer, or its 2xx answer
	// the provider could not read (gateway/provider_call.go).
	provErr *providers.Error

	end  time.Time     // when the call returned: the ticket's and cool-down's clock
	took time.Duration // to the buffered answer, or to a stream's first event
}

// relays: a 2xx event stream the client asked for is relayed event by
// event, once its first event is read; any other answer is buffered.
func (r *upstreamResult) relays() bool {
	return r.err == nil && r.wantStream && r.status >= 200 && r.status < 300 && r.eventStream
}

// silent: the upstream gave nothing at all, so the client's departure may
// explain the failure (a stalled stream, a call cut short) and is probed.
func (r *upstreamResult) silent() bool {
	return r.err != nil || r.relays() && len(r.first) == 0
}

// action is what attempt does with a result.
type action uint8

const (
	actRetry   action = iota // d failed before a byte reached the client: try again or elsewhere
	actServe                 // commit; the response policy, then the upstream's body
	actRelay                 // commit; the stream relay takes over the Exchange
	actPassOn                // commit; the upstream's 4xx as it is: the request is wrong, not d
	actFinal                 // the gateway's error answers: the same request fails anywhere
	actAbandon               // the client left: nobody to answer or retry for
)

// circuitEffect is how a result resolves the attempt's breaker ticket.
type circuitEffect uint8

const (
	noOutcome circuitEffect = iota // released: d said nothing about its health
	success
	failure
)

// verdict is classify's judgement of one result.
type verdict struct {
	act     action
	circuit circuitEffect
	errKind string    // health.Err* for the records, set after a commit; "" leaves it
	err     *APIError // what the client gets if this is the last word (retry, final)
	coolFor int       // seconds d takes no traffic (a 429's Retry-After)
}

// commits: the answer goes to the client, from d; the request is billed.
func (v verdict) commits() bool { return v.act == actServe || v.act == actRelay || v.act == actPassOn }

// measured: the result times d's answer (a stream's to its first event:
// a stream's total time measures the answer's length, not the deployment).
func (v verdict) measured() bool { return v.act == actServe || v.act == actRelay }

// classify judges one upstream result.
func classify(r *upstreamResult) verdict {
	switch {
	case r.err != nil:
		if r.clientGone {
			return verdict{act: actAbandon} // nobody waits: stop, not d's fault
		}
		e, kind := transportFailure(r.model, r.target, r.err)
		if isTooLarge(r.err) {
			// No circuit outcome: the same request gets the same answer
			// anywhere, and a large embeddings batch gets there legitimately.
			return verdict{act: actFinal, errKind: kind, err: e}
		}
		return verdict{act: actRetry, circuit: failure, errKind: kind, err: e}
	case r.relays():
		// The first event is read before committing: a stream that breaks
		// or opens with an error event can still be retried elsewhere.
		if len(r.first) == 0 && r.clientGone {
			return verdict{act: actAbandon} // the stream stalled while the client left
		}
		if e, kind := firstEventFailure(r.target, r.first, r.firstErr, r.pastDeadline); e != nil {
			if pe, ok := r.firstErr.(*providers.Error); ok && len(r.first) == 0 && !pe.Retryable {
				// A translated stream opened with an error the provider
				// says fails anywhere (an invalid request): no retry.
				return verdict{act: actFinal, circuit: success, errKind: health.ErrUpstream4xx, err: e}
			}
			return verdict{act: actRetry, circuit: failure, errKind: kind, err: e}
		}
		return verdict{act: actRelay, circuit: success}
	case r.provErr != nil:
		return classifyProviderError(r)
	case r.status >= 200 && r.status < 300:
		if !r.validBody {
			return verdict{act: actRetry, circuit: failure, errKind: health.ErrUpstream5xx, err: &APIError{
				Status: 502, Type: typeUpstream, Code: "upstream_invalid_response",
				Message: "upstream " + r.target + " answered 200 with a body that is not JSON"}}
		}
		return verdict{act: actServe, circuit: success}
	case r.status == fasthttp.StatusTooManyRequests:
		// Alive but busy: no circuit outcome (a half-open probe slot goes
		// back, so the next request probes again); the Retry-After
		// cool-down keeps traffic away meanwhile.
		return verdict{act: actRetry, errKind: health.ErrUpstream429, coolFor: r.retryAfter, err: &APIError{
			Status: 429, Type: typeRateLimit, Code: "rate_limit_exceeded", RetryAfter: r.retryAfter,
			Message: "upstream " + r.target + " is rate limiting: " + upstreamMessage(r.body)}}
	case r.status >= 500:
		return verdict{act: actRetry, circuit: failure, errKind: health.ErrUpstream5xx, err: &APIError{
			Status: 502, Type: typeUpstream, Code: "upstream_error", RetryAfter: r.retryAfter,
			Message: "upstream " + r.target + " answered " + strconv.Itoa(r.status) + ": " + upstreamMessage(r.body)}}
	case r.status == 401 || r.status == 403:
		return authFailed(r)
	default:
		// Other 4xx: the request itself is wrong; the upstream's answer is
		// the most useful thing the client can get. Not retried, and d
		// answered well: the client's fault, not d's.
		return verdict{act: actPassOn, circuit: success, errKind: health.ErrUpstream4xx}
	}
}

// authFailed: the upstream refused the gateway's own credentials: the
// client cannot fix that, ops can. Other deployments may still work.
func authFailed(r *upstreamResult) verdict {
	return verdict{act: actRetry, circuit: failure, errKind: health.ErrUpstream5xx, err: &APIError{
		Status: 502, Type: typeUpstream, Code: "upstream_auth_failed",
		Message: "upstream " + r.target + " rejected the gateway's credentials (" + strconv.Itoa(r.status) + "): check its api_key"}}
}

// classifyProviderError judges a translated upstream's error answer (or a
// 2xx answer its provider could not read) as classify judges OpenAI's,
// with the provider's own verdict on retrying: Anthropic's 529 overload or
// Bedrock's throttling go elsewhere, an invalid request does not.
func classifyProviderError(r *upstreamResult) verdict {
	pe := r.provErr
	e := providerAPIError(pe, r.target)
	e.RetryAfter = max(pe.RetryAfter, r.retryAfter)
	switch {
	case r.status >= 200 && r.status < 300: // an answer the provider could not read
		e.Status, e.Type = fasthttp.StatusBadGateway, typeUpstream
		return verdict{act: actRetry, circuit: failure, errKind: health.ErrUpstream5xx, err: e}
	case r.status == fasthttp.StatusTooManyRequests || pe.Status == fasthttp.StatusTooManyRequests:
		return verdict{act: actRetry, errKind: health.ErrUpstream429, coolFor: e.RetryAfter, err: e}
	case r.status == 401 || r.status == 403:
		return authFailed(r)
	case pe.Retryable:
		return verdict{act: actRetry, circuit: failure, errKind: health.ErrUpstream5xx, err: e}
	case r.status >= 500:
		// Not retryable by the provider's word, still the upstream's
		// failure: the translated error goes to the client as it is.
		return verdict{act: actPassOn, circuit: failure, errKind: health.ErrUpstream5xx}
	}
	return verdict{act: actPassOn, circuit: success, errKind: health.ErrUpstream4xx}
}

// transportFailure explains a call that got no usable answer, and its
// health kind.
func transportFailure(model, target string, err error) (*APIError, string) {
	if isTooLarge(err) {
		return &APIError{Status: 502, Type: typeUpstream, Code: "upstream_response_too_large",
			Message: "upstream " + target + " for " + model + " answered more than " +
				strconv.FormatInt(maxBufferedBody.Load()>>10, 10) + " KiB; the gateway does not pass on a truncated answer",
		}, health.ErrInternal // the gateway's limit, not the upstream's fault
	}
	var ne net.Error
	if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) || (errors.As(err, &ne) && ne.Timeout()) {
		return upstreamTimeout(model, target+" did not answer in time"), health.ErrTimeout
	}
	return &APIError{Status: 502, Type: typeUpstream, Code: "upstream_unreachable",
		Message: "upstream " + target + " for " + model + " is unreachable: " + err.Error()}, health.ErrConnect
}

// firstEventFailure decides whether a stream's first event makes the
// attempt a failure (nothing reached the client yet, so it can be
// retried): the stream ended or stalled before any event, or it opened
// with an error. It returns nil for a good first event.
func firstEventFailure(target string, ev []byte, err error, pastDeadline bool) (*APIError, string) {
	if len(ev) == 0 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		e, kind := streamFailure(err, pastDeadline)
		e.Message = "upstream " + target + ": " + e.Message + " (before its first event)"
		return e, kind
	}
	data := eventData(ev)
	if !bytes.HasPrefix(ev, []byte("event: error")) && !hasErrorMember(data) {
		return nil, ""
	}
	msg := "error event"
	var p fastjson.Parser
	if v, perr := p.ParseBytes(data); perr == nil {
		if m := v.GetStringBytes("error", "message"); len(m) > 0 {
			msg = truncate(string(m), 300)
		}
	}
	return &APIError{Status: 502, Type: typeUpstream, Code: "upstream_error",
		Message: "upstream " + target + " opened the stream with an error: " + msg}, health.ErrUpstream5xx
}

// streamFailure explains why a started stream ended early.
func streamFailure(err error, pastDeadline bool) (*APIError, string) {
	if pe, ok := err.(*providers.Error); ok {
		// A translated stream's error event or malformed frame.
		return providerAPIError(pe, ""), health.ErrUpstream5xx
	}
	if isTimeout(err) {
		why := "the upstream sent nothing for longer than the idle timeout"
		if pastDeadline {
			why = "the total timeout expired mid-stream"
		}
		return &APIError{Status: 504, Type: typeUpstream, Code: "upstream_timeout", Message: "stream ended: " + why},
			health.ErrTimeout
	}
	msg := "the upstream closed the stream before it finished"
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		msg += ": " + err.Error()
	}
	return &APIError{Status: 502, Type: typeUpstream, Code: "upstream_stream_broken", Message: msg}, health.ErrStream
}

// upstreamMessage extracts error.message from an upstream's error body,
// bounded so a huge or hostile body cannot flood the client or logs.
func upstreamMessage(b []byte) string {
	if len(b) == 0 {
		return "no error message"
	}
	var p fastjson.Parser
	if v, err := p.ParseBytes(b); err == nil {
		if msg := v.GetStringBytes("error", "message"); len(msg) > 0 {
			return truncate(string(msg), 300)
		}
		if msg := v.GetStringBytes("message"); len(msg) > 0 {
			return truncate(string(msg), 300)
		}
	}
	return "non-JSON error body (" + strconv.Itoa(len(b)) + " bytes)"
}
