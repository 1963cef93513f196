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

// Apply sets the headers on a fasthttp response.
func (h RateHeaders) Apply(hdr *fasthttp.ResponseHeader) {
	if h.HasRequests {
		hdr.Set("x-ratelimit-limit-requests", strconv.FormatInt(h.LimitRequests, 10))
		hdr.Set("x-ratelimit-remaining-requests", strconv.FormatInt(max(h.RemainingRequests, 0), 10))
		hdr.Set("x-ratelimit-reset-requests", formatReset(h.ResetRequests))
	}
	if h.HasTokens {
		hdr.Set("x-ratelimit-limit-tokens", strconv.FormatInt(h.LimitTokens, 10))
		hdr.Set("x-ratelimit-remaining-tokens", strconv.FormatInt(max(h.RemainingTokens, 0), 10))
		hdr.Set("x-ratelimit-reset-tokens", formatReset(h.ResetTokens))
	}
}

// formatReset renders a duration as OpenAI does ("1s", "6m0s", "120ms").
func formatReset(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
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
