package gateway

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
)

// TestClassify: every way an upstream call can end, and what attempt does
// with it. The issue-10 cases are rows here: a 429 releases the ticket
// with a cool-down, an oversized answer is final with no circuit outcome,
// a departed client abandons, a 4xx after a failed attempt is the
// client's, and only good answers commit.
func TestClassify(t *testing.T) {
	type want struct {
		act     action
		circuit circuitEffect
		kind    string
		status  int    // of the APIError; 0 = none
		code    string // of the APIError
		retry   int    // its RetryAfter
		cool    int
		msg     string // a part of its message
	}
	f := func(name string, r upstreamResult, w want) {
		t.Helper()
		r.model, r.target = "gpt", "dep-a"
		v := classify(&r)
		got := want{act: v.act, circuit: v.circuit, kind: v.errKind, cool: v.coolFor}
		if v.err != nil {
			got.status, got.code, got.retry = v.err.Status, v.err.Code, v.err.RetryAfter
			if w.msg != "" && strings.Contains(v.err.Message, w.msg) {
				got.msg = w.msg
			} else {
				got.msg = v.err.Message
			}
		}
		if got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, w)
		}
		if v.commits() != (v.act == actServe || v.act == actRelay || v.act == actPassOn) {
			t.Errorf("%s: commits() = %v for action %d", name, v.commits(), v.act)
		}
	}
	sse := func(status int, first string, firstErr error) upstreamResult {
		return upstreamResult{status: status, eventStream: true, wantStream: true, first: []byte(first), firstErr: firstErr}
	}
	refused := fmt.Errorf("dial: %w", syscall.ECONNREFUSED)
	timeout := fmt.Errorf("read: %w", os.ErrDeadlineExceeded) // a net.Error that timed out

	// No answer at all.
	f("connection refused", upstreamResult{err: refused},
		want{act: actRetry, circuit: failure, kind: health.ErrConnect, status: 502, code: "upstream_unreachable", msg: "upstream dep-a for gpt is unreachable"})
	f("fasthttp timeout", upstreamResult{err: fasthttp.ErrTimeout},
		want{act: actRetry, circuit: failure, kind: health.ErrTimeout, status: 504, code: "upstream_timeout", msg: "dep-a did not answer in time"})
	f("dial timeout", upstreamResult{err: fasthttp.ErrDialTimeout},
		want{act: actRetry, circuit: failure, kind: health.ErrTimeout, status: 504, code: "upstream_timeout", msg: "dep-a did not answer in time"})
	f("socket deadline", upstreamResult{err: timeout},
		want{act: actRetry, circuit: failure, kind: health.ErrTimeout, status: 504, code: "upstream_timeout", msg: "dep-a did not answer in time"})
	f("connection closed", upstreamResult{err: fasthttp.ErrConnectionClosed},
		want{act: actRetry, circuit: failure, kind: health.ErrConnect, status: 502, code: "upstream_unreachable", msg: "unreachable"})
	f("no answer, client gone", upstreamResult{err: fasthttp.ErrTimeout, clientGone: true},
		want{act: actAbandon})
	f("too large to buffer", upstreamResult{err: errBodyTooLarge},
		want{act: actFinal, kind: health.ErrInternal, status: 502, code: "upstream_response_too_large", msg: "does not pass on a truncated answer"})
	f("too large for the pool", upstreamResult{err: fasthttp.ErrBodyTooLarge},
		want{act: actFinal, kind: health.ErrInternal, status: 502, code: "upstream_response_too_large", msg: "KiB"})
	f("too large, client gone", upstreamResult{err: errBodyTooLarge, clientGone: true},
		want{act: actAbandon})

	// Buffered answers.
	f("200 JSON", upstreamResult{status: 200, validBody: true},
		want{act: actServe, circuit: success})
	f("200 JSON where a stream was asked for", upstreamResult{status: 200, wantStream: true, validBody: true},
		want{act: actServe, circuit: success})
	f("200 not JSON", upstreamResult{status: 200},
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_invalid_response", msg: "dep-a answered 200 with a body that is not JSON"})
	f("200 event stream nobody asked for", upstreamResult{status: 200, eventStream: true},
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_invalid_response", msg: "not JSON"})
	f("429 with Retry-After", upstreamResult{status: 429, retryAfter: 3, body: []byte(`{"error":{"message":"slow down"}}`)},
		want{act: actRetry, kind: health.ErrUpstream429, status: 429, code: "rate_limit_exceeded", retry: 3, cool: 3, msg: "dep-a is rate limiting: slow down"})
	f("429 without Retry-After", upstreamResult{status: 429},
		want{act: actRetry, kind: health.ErrUpstream429, status: 429, code: "rate_limit_exceeded", msg: "no error message"})
	f("500", upstreamResult{status: 500, body: []byte(`{"message":"boom"}`)},
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_error", msg: "dep-a answered 500: boom"})
	f("503 with Retry-After", upstreamResult{status: 503, retryAfter: 7, body: []byte("<html>")},
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_error", retry: 7, msg: "non-JSON error body (6 bytes)"})
	f("500 as an event stream", sse(500, "", nil),
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_error", msg: "answered 500"})
	f("401", upstreamResult{status: 401},
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_auth_failed", msg: "credentials (401)"})
	f("403", upstreamResult{status: 403},
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_auth_failed", msg: "credentials (403)"})
	f("400: the client's", upstreamResult{status: 400, body: []byte(`{"error":{"message":"bad"}}`)},
		want{act: actPassOn, circuit: success, kind: health.ErrUpstream4xx})
	f("404: the client's", upstreamResult{status: 404},
		want{act: actPassOn, circuit: success, kind: health.ErrUpstream4xx})
	f("422 as an event stream: the client's", sse(422, "", nil),
		want{act: actPassOn, circuit: success, kind: health.ErrUpstream4xx})

	// Relayed streams, judged by their first event.
	f("stream", sse(200, "data: {\"choices\":[]}\n\n", nil),
		want{act: actRelay, circuit: success})
	f("stream of one event", sse(200, "data: {\"choices\":[]}\n\n", io.EOF),
		want{act: actRelay, circuit: success})
	f("stream opening with an error event", sse(200, "event: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n", nil),
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_error", msg: "dep-a opened the stream with an error: overloaded"})
	f("stream opening with an error member", sse(200, "data: {\"error\":{\"message\":\"quota\"}}\n\n", nil),
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_error", msg: "with an error: quota"})
	f("error event, client gone: still d's failure", upstreamResult{status: 200, eventStream: true, wantStream: true,
		first: []byte("data: {\"error\":{}}\n\n"), clientGone: true},
		want{act: actRetry, circuit: failure, kind: health.ErrUpstream5xx, status: 502, code: "upstream_error", msg: "with an error: error event"})
	f("stream empty", sse(200, "", io.EOF),
		want{act: actRetry, circuit: failure, kind: health.ErrStream, status: 502, code: "upstream_stream_broken", msg: "upstream dep-a: the upstream closed the stream before it finished (before its first event)"})
	f("stream reset before its first event", sse(200, "", syscall.ECONNRESET),
		want{act: actRetry, circuit: failure, kind: health.ErrStream, status: 502, code: "upstream_stream_broken", msg: "finished: connection reset by peer"})
	f("stream stalled", sse(200, "", timeout),
		want{act: actRetry, circuit: failure, kind: health.ErrTimeout, status: 504, code: "upstream_timeout", msg: "upstream dep-a: stream ended: the upstream sent nothing for longer than the idle timeout (before its first event)"})
	stalledLate := sse(200, "", timeout)
	stalledLate.pastDeadline = true
	f("stream stalled past the deadline", stalledLate,
		want{act: actRetry, circuit: failure, kind: health.ErrTimeout, status: 504, code: "upstream_timeout", msg: "the total timeout expired mid-stream"})
	stalledGone := sse(200, "", timeout)
	stalledGone.clientGone = true
	f("stream stalled, client gone", stalledGone,
		want{act: actAbandon})
}

// TestUpstreamResultSilent: the client's departure is probed (a syscall)
// only when the upstream gave nothing, the one case it can explain.
func TestUpstreamResultSilent(t *testing.T) {
	f := func(name string, r upstreamResult, want bool) {
		t.Helper()
		if got := r.silent(); got != want {
			t.Errorf("%s: silent() = %v, want %v", name, got, want)
		}
	}
	f("transport error", upstreamResult{err: errors.New("x")}, true)
	f("stream without a first event", upstreamResult{status: 200, eventStream: true, wantStream: true}, true)
	f("stream with a first event", upstreamResult{status: 200, eventStream: true, wantStream: true, first: []byte("data: x\n\n")}, false)
	f("buffered 200", upstreamResult{status: 200, validBody: true}, false)
	f("buffered 200 not JSON", upstreamResult{status: 200}, false)
	f("429", upstreamResult{status: 429}, false)
	f("502", upstreamResult{status: 502}, false)
}
