package gateway

import (
	"errors"
	"io"
	"testing"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/providers"
)

// fakeStream yields chunks, then err (io.EOF for a good end).
type fakeStream struct {
	chunks []string
	err    error
	closed bool
}

func (f *fakeStream) Next() ([]byte, error) {
	if len(f.chunks) == 0 {
		return nil, f.err
	}
	c := f.chunks[0]
	f.chunks = f.chunks[1:]
	return []byte(c), nil
}
func (f *fakeStream) Close() { f.closed = true }

// TestTranslatedScanner: a provider's chunks reach the relay framed as an
// OpenAI server sends them, [DONE] after a good end, and a provider error
// as the scanner's error (no [DONE]); the stream is closed on release.
func TestTranslatedScanner(t *testing.T) {
	fs := &fakeStream{chunks: []string{`{"a":1}`, `{"b":2}`}, err: io.EOF}
	sc := acquireTranslatedScanner(fs)
	var got []string
	for {
		ev, err := sc.next()
		if len(ev) > 0 {
			got = append(got, string(ev))
		}
		if err != nil {
			if err != io.EOF {
				t.Fatalf("err %v", err)
			}
			break
		}
	}
	want := []string{"data: {\"a\":1}\n\n", "data: {\"b\":2}\n\n", "data: [DONE]\n\n"}
	if len(got) != len(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d %q, want %q", i, got[i], want[i])
		}
	}
	if !isDoneEvent([]byte(got[2])) {
		t.Fatal("the end marker is not recognised as [DONE]")
	}
	releaseScanner(sc)
	if !fs.closed {
		t.Fatal("release did not close the provider's stream")
	}

	pe := &providers.Error{Status: 503, Type: "overloaded_error", Message: "Overloaded", Retryable: true}
	fs = &fakeStream{chunks: []string{`{"a":1}`}, err: pe}
	sc = acquireTranslatedScanner(fs)
	defer releaseScanner(sc)
	if ev, err := sc.next(); err != nil || string(ev) != "data: {\"a\":1}\n\n" {
		t.Fatalf("first: %q %v", ev, err)
	}
	if ev, err := sc.next(); len(ev) != 0 || !errors.Is(err, pe) {
		t.Fatalf("second: %q %v, want the provider's error", ev, err)
	}
	e, kind := streamFailure(pe, false)
	if e.Status != 503 || e.Type != "overloaded_error" || kind != health.ErrUpstream5xx {
		t.Fatalf("stream failure %+v %s", e, kind)
	}
}

// TestClassifyProviderError: a translated upstream's errors follow the
// provider's retry verdict and the gateway's circuit rules.
func TestClassifyProviderError(t *testing.T) {
	cases := []struct {
		name    string
		r       upstreamResult
		act     action
		circuit circuitEffect
		kind    string
		status  int
		retry   int
		cool    int
	}{
		{"overloaded 529 retries elsewhere", upstreamResult{status: 529, provErr: &providers.Error{Status: 503, Type: "overloaded_error", Message: "Overloaded", Retryable: true}},
			actRetry, failure, health.ErrUpstream5xx, 503, 0, 0},
		{"rate limit cools down", upstreamResult{status: 429, retryAfter: 3, provErr: &providers.Error{Status: 429, Type: "rate_limit_error", Message: "slow down", Retryable: true, RetryAfter: 7}},
			actRetry, noOutcome, health.ErrUpstream429, 429, 7, 7},
		{"invalid request passes on", upstreamResult{status: 400, provErr: &providers.Error{Status: 400, Type: "invalid_request_error", Message: "bad"}},
			actPassOn, success, health.ErrUpstream4xx, 0, 0, 0},
		{"bad credentials retry", upstreamResult{status: 401, provErr: &providers.Error{Status: 401, Type: "authentication_error", Message: "no"}},
			actRetry, failure, health.ErrUpstream5xx, 502, 0, 0},
		{"unreadable 200 is a 502", upstreamResult{status: 200, provErr: &providers.Error{Status: 502, Message: "malformed"}},
			actRetry, failure, health.ErrUpstream5xx, 502, 0, 0},
		{"non-retryable 500 passes on", upstreamResult{status: 500, provErr: &providers.Error{Status: 500, Type: "api_error", Message: "x"}},
			actPassOn, failure, health.ErrUpstream5xx, 0, 0, 0},
	}
	for _, c := range cases {
		c.r.target = "dep"
		v := classify(&c.r)
		if v.act != c.act || v.circuit != c.circuit || v.errKind != c.kind || v.coolFor != c.cool {
			t.Errorf("%s: verdict %+v", c.name, v)
			continue
		}
		if c.status == 0 {
			if v.err != nil {
				t.Errorf("%s: unexpected error %+v", c.name, v.err)
			}
			continue
		}
		if v.err == nil || v.err.Status != c.status || v.err.RetryAfter != c.retry {
			t.Errorf("%s: error %+v, want status %d retry %d", c.name, v.err, c.status, c.retry)
		}
	}
}
