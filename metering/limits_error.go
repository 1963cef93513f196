package metering

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrRateLimited: an RPM or TPM limit is reached (HTTP 429 rate_limit_exceeded).
	ErrRateLimited = errors.New("rate limit exceeded")
	// ErrBudgetExceeded: reserving the worst-case cost would pass a budget (HTTP 429 budget_exceeded).
	ErrBudgetExceeded = errors.New("budget exceeded")
	// ErrLimiterUnavailable: Redis is down and FailMode is "closed" (HTTP 503).
	ErrLimiterUnavailable = errors.New("rate limiter unavailable")
)

// Limit kinds of a LimitError.
const (
	KindRequests      = "requests"
	KindTokens        = "tokens"
	KindBudgetDaily   = "budget_daily"
	KindBudgetMonthly = "budget_monthly"
	KindBudgetTotal   = "budget_total"
)

// LimitError tells which limit denied a request. errors.Is(err, ErrRateLimited or ErrBudgetExceeded) works.
// The message names the scope ("key", "team", "tenant", "model"), never the key itself.
type LimitError struct {
	Kind       string        // KindRequests, KindTokens, KindBudget*
	Scope      string        // key | team | tenant | model
	Limit      int64         // requests, tokens or micro-USD
	Remaining  int64         // what is left in the window or period
	Requested  int64         // what this request asked for (1, estimated tokens, worst-case micro-USD)
	RetryAfter time.Duration // 0 when waiting cannot help (request larger than the limit, total budget)
}

func (e *LimitError) Unwrap() error {
	if e.Kind == KindRequests || e.Kind == KindTokens {
		return ErrRateLimited
	}
	return ErrBudgetExceeded
}

// Code is the OpenAI-style error code for the response body.
func (e *LimitError) Code() string {
	if errors.Is(e, ErrRateLimited) {
		return "rate_limit_exceeded"
	}
	return "budget_exceeded"
}

func (e *LimitError) Error() string {
	var what string
	switch e.Kind {
	case KindRequests:
		what = fmt.Sprintf("%s limit of %d requests per minute reached", e.Scope, e.Limit)
	case KindTokens:
		what = fmt.Sprintf("%s limit of %d tokens per minute: this request needs %d, %d remain", e.Scope, e.Limit, e.Requested, e.Remaining)
	default:
		period := map[string]string{KindBudgetDaily: "daily", KindBudgetMonthly: "monthly", KindBudgetTotal: "total"}[e.Kind]
		what = fmt.Sprintf("%s %s budget of $%s: this request may cost up to $%s, $%s remain", e.Scope, period,
			FormatUSD(e.Limit*picosPerMicro), FormatUSD(e.Requested*picosPerMicro), FormatUSD(max(e.Remaining, 0)*picosPerMicro))
	}
	switch {
	case e.RetryAfter > 0:
		return fmt.Sprintf("%v: %s; retry after %s", e.Unwrap(), what, e.RetryAfter.Round(time.Second))
	case e.Requested > e.Limit:
		return fmt.Sprintf("%v: %s; the request alone exceeds the limit (lower max_tokens)", e.Unwrap(), what)
	default:
		return fmt.Sprintf("%v: %s", e.Unwrap(), what)
	}
}
