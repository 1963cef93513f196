package metering

import (
	"strconv"
	"strings"
	"time"
)

// A plan is the list of counters one request touches, shared by the embedded and the Redis store so
// both enforce identical semantics: for every counter, check value+inc ≤ limit (limit 0: not checked);
// if all pass, add inc to all, atomically.
type plan struct {
	counters []counter
	now      time.Time
}

type counter struct {
	key   string
	limit int64
	inc   int64
	ttl   time.Duration // 0: no expiry
	kind  string        // KindRequests, KindTokens, KindBudget*
	scope string
	reset time.Duration // until the window or period ends (0: never)
}

const rateWindow = time.Minute

// escapeKeyPart keeps names from breaking the key layout: ':' separates parts, '{' and '}' delimit the
// Cluster hash tag, '%' escapes. Key ids are ids, not secrets; the gateway passes a key id, never the key.
var keyEscaper = strings.NewReplacer("%", "%25", ":", "%3A", "{", "%7B", "}", "%7D")

func escapeKeyPart(s string) string {
	if s == "" {
		return "_"
	}
	if strings.ContainsAny(s, "%:{}") {
		return keyEscaper.Replace(s)
	}
	return s
}

type scopeRef struct {
	name  string // key | team | tenant | model
	id    string // part of the Redis key after the tenant tag
	limit Limit
}

// scopes lists the subject's scopes that exist (a request without a team has no team scope).
func scopes(s Subject, r Rules) []scopeRef {
	out := make([]scopeRef, 0, 4)
	if s.KeyID != "" {
		out = append(out, scopeRef{"key", "k:" + escapeKeyPart(s.KeyID), r.Key})
	}
	if s.Team != "" {
		out = append(out, scopeRef{"team", "t:" + escapeKeyPart(s.Team), r.Team})
	}
	out = append(out, scopeRef{"tenant", "n", r.Tenant})
	if s.Model != "" {
		out = append(out, scopeRef{"model", "m:" + escapeKeyPart(s.Model), r.Model})
	}
	return out
}

// budget periods: key suffix, TTL, limit getter, kind, end of period.
type period struct {
	kind   string
	suffix func(t time.Time) string
	ttl    time.Duration
	limit  func(Limit) int64
	end    func(t time.Time) time.Time // zero: never resets
}

var budgetPeriods = []period{
	{KindBudgetDaily, func(t time.Time) string { return "d:" + t.Format("20060102") }, 49 * time.Hour,
		func(l Limit) int64 { return l.DailyMicros },
		func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC) }},
	{KindBudgetMonthly, func(t time.Time) string { return "m:" + t.Format("200601") }, 63 * 24 * time.Hour,
		func(l Limit) int64 { return l.MonthlyMicros },
		func(t time.Time) time.Time { return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC) }},
	{KindBudgetTotal, func(time.Time) string { return "total" }, 0,
		func(l Limit) int64 { return l.TotalMicros },
		func(time.Time) time.Time { return time.Time{} }},
}

// buildPlan lists the counters of one reservation. Budget counters of key, team and tenant are always
// kept (Spend reads them); RPM/TPM counters only where a limit is set.
func buildPlan(s Subject, r Rules, now time.Time, estTokens, worstMicros int64) plan {
	now = now.UTC()
	tag := "{" + escapeKeyPart(s.Tenant) + "}:"
	minute := now.Unix() / int64(rateWindow/time.Second)
	win := strconv.FormatInt(minute, 10)
	resetRate := time.Unix((minute+1)*int64(rateWindow/time.Second), 0).Sub(now)
	p := plan{now: now, counters: make([]counter, 0, 16)}
	for _, sc := range scopes(s, r) {
		if sc.limit.RPM > 0 {
			p.counters = append(p.counters, counter{key: "tg:rl:" + tag + sc.id + ":rpm:" + win, limit: sc.limit.RPM, inc: 1,
				ttl: 2 * rateWindow, kind: KindRequests, scope: sc.name, reset: resetRate})
		}
		if sc.limit.TPM > 0 {
			p.counters = append(p.counters, counter{key: "tg:rl:" + tag + sc.id + ":tpm:" + win, limit: sc.limit.TPM, inc: estTokens,
				ttl: 2 * rateWindow, kind: KindTokens, scope: sc.name, reset: resetRate})
		}
		if sc.name == "model" {
			continue
		}
		for _, per := range budgetPeriods {
			var reset time.Duration
			if end := per.end(now); !end.IsZero() {
				reset = end.Sub(now)
			}
			p.counters = append(p.counters, counter{key: "tg:budget:" + tag + sc.id + ":" + per.suffix(now), limit: per.limit(sc.limit),
				inc: worstMicros, ttl: per.ttl, kind: per.kind, scope: sc.name, reset: reset})
		}
	}
	return p
}

// denial turns the counter that failed the check into a LimitError.
func (c counter) denial(current int64) *LimitError {
	e := &LimitError{Kind: c.kind, Scope: c.scope, Limit: c.limit, Remaining: max(c.limit-current, 0), Requested: c.inc, RetryAfter: c.reset}
	if c.inc > c.limit {
		e.RetryAfter = 0 // waiting cannot help
	}
	return e
}
