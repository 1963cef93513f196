package metering

import (
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// RateHeaders are the values of OpenAI's x-ratelimit-* headers, from the scope with the least left.
// HasRequests/HasTokens are false when no RPM/TPM limit applies (then the headers are omitted).
type RateHeaders struct {
	HasRequests       bool
	LimitRequests     int64
	RemainingRequests int64
	ResetRequests     time.Duration
	HasTokens         bool
	LimitTokens       int64
	RemainingTokens   int64
	ResetTokens       time.Duration
}

// The headers' names in the form fasthttp sends them (it normalises header
// names, as the gateway's server does): set as they are, with no copy to
// normalise and no string to allocate per request.
var (
	hdrLimitRequests     = []byte("X-Ratelimit-Limit-Requests")
	hdrRemainingRequests = []byte("X-Ratelimit-Remaining-Requests")
	hdrResetRequests     = []byte("X-Ratelimit-Reset-Requests")
	hdrLimitTokens       = []byte("X-Ratelimit-Limit-Tokens")
	hdrRemainingTokens   = []byte("X-Ratelimit-Remaining-Tokens")
	hdrResetTokens       = []byte("X-Ratelimit-Reset-Tokens")
)

// Apply sets the headers on a fasthttp response, without allocating.
func (h RateHeaders) Apply(hdr *fasthttp.ResponseHeader) {
	var buf [32]byte
	if h.HasRequests {
		hdr.SetCanonical(hdrLimitRequests, strconv.AppendInt(buf[:0], h.LimitRequests, 10))
		hdr.SetCanonical(hdrRemainingRequests, strconv.AppendInt(buf[:0], max(h.RemainingRequests, 0), 10))
		hdr.SetCanonical(hdrResetRequests, appendReset(buf[:0], h.ResetRequests))
	}
	if h.HasTokens {
		hdr.SetCanonical(hdrLimitTokens, strconv.AppendInt(buf[:0], h.LimitTokens, 10))
		hdr.SetCanonical(hdrRemainingTokens, strconv.AppendInt(buf[:0], max(h.RemainingTokens, 0), 10))
		hdr.SetCanonical(hdrResetTokens, appendReset(buf[:0], h.ResetTokens))
	}
}

// appendReset renders a duration as OpenAI does ("1s", "6m0s", "120ms"):
// time.Duration's String of it rounded to milliseconds under a second,
// else to seconds. A rate window's resets (under a minute) are written
// without String's allocation.
func appendReset(dst []byte, d time.Duration) []byte {
	if d < time.Second {
		d = d.Round(time.Millisecond)
	} else {
		d = d.Round(time.Second)
	}
	switch {
	case d == 0:
		return append(dst, "0s"...)
	case d > 0 && d < time.Second: // whole milliseconds
		return append(strconv.AppendInt(dst, int64(d/time.Millisecond), 10), "ms"...)
	case d >= time.Second && d < time.Minute: // whole seconds
		return append(strconv.AppendInt(dst, int64(d/time.Second), 10), 's')
	case d >= time.Minute && d < time.Hour:
		dst = append(strconv.AppendInt(dst, int64(d/time.Minute), 10), 'm')
		return append(strconv.AppendInt(dst, int64(d%time.Minute/time.Second), 10), 's')
	}
	return append(dst, d.String()...)
}

// RetryAfterSeconds is the Retry-After header value for a LimitError: whole seconds, at least 1.
func RetryAfterSeconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}

// observe folds one window counter into the headers, keeping the scope with the least remaining.
func (h *RateHeaders) observe(kind string, limit, used int64, reset time.Duration) {
	rem := limit - used
	switch kind {
	case KindRequests:
		if !h.HasRequests || rem < h.RemainingRequests {
			h.HasRequests, h.LimitRequests, h.RemainingRequests, h.ResetRequests = true, limit, rem, reset
		}
	case KindTokens:
		if !h.HasTokens || rem < h.RemainingTokens {
			h.HasTokens, h.LimitTokens, h.RemainingTokens, h.ResetTokens = true, limit, rem, reset
		}
	}
}
