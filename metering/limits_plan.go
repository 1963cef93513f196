package metering

import (
	"strconv"
	"strings"
	"time"
)

// A plan is the list of counters one request touches, shared by the embedded and the Redis store so
// both enforce identical semantics: for every counter, check used+inc ≤ limit (limit 0: not checked);
// if all pass, add inc to all, atomically. Budget counters are integers; rate counters are sliding logs
// (see limits_window.go): "used" is what the log holds from the last rateWindow.
type plan struct {
	counters []counter
	now      time.Time
	marker   string // rate-key prefix of the tenant, for the Redis reservation marker (key + id)
	id       int64  // reservation id: names its rate-log entries; set by the store
}

type counter struct {
	key    string        // budget: the counter; rate: the sliding log
	sumKey string        // tokens: the log's weight sum ("" for requests: the count is the log's size)
	limit  int64         // 0: not checked (budget counters are kept without a limit, for Spend)
	inc    int64         // requests 1, tokens the estimate, budgets the worst case
	ttl    time.Duration // budget counters' expiry (0: never)
	kind   string        // KindRequests, KindTokens, KindBudget*
	scope  string
	reset  time.Duration // budgets: until the period ends (0: never)
}

// rate says whether the counter is a sliding window (RPM, TPM) rather than a budget.
func (c *counter) rate() bool { return c.kind == KindRequests || c.kind == KindTokens }

// rateWindow is the sliding window of RPM and TPM: at most the limit in any rateWindow.
const rateWindow = time.Minute

// maxCounters is the most counters a plan holds: RPM+TPM for 4 scopes, 3 budgets for 3 scopes.
const maxCounters = 4*2 + 3*3

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
	tag   string // k: t: n m: — the scope's marker in the Redis key
	id    string // escaped name ("" for the tenant, whose name is the hash tag)
	limit Limit
}

// scopes lists the subject's scopes that exist (a request without a team has no team scope).
func scopes(s Subject, r Rules) [4]scopeRef {
	var out [4]scopeRef
	if s.KeyID != "" {
		out[0] = scopeRef{"key", "k:", escapeKeyPart(s.KeyID), r.Key}
	}
	if s.Team != "" {
		out[1] = scopeRef{"team", "t:", escapeKeyPart(s.Team), r.Team}
	}
	out[2] = scopeRef{"tenant", "n", "", r.Tenant}
	if s.Model != "" {
		out[3] = scopeRef{"model", "m:", escapeKeyPart(s.Model), r.Model}
	}
	return out
}

// period is a budget period: how its key suffix is written, how long its counter lives, which limit
// applies and when it ends (zero: never).
type period struct {
	kind   string
	suffix func(dst []byte, t time.Time) []byte
	ttl    time.Duration
	limit  func(Limit) int64
	end    func(t time.Time) time.Time
}

var budgetPeriods = []period{
	{KindBudgetDaily, func(dst []byte, t time.Time) []byte { return appendDate(append(dst, "d:"...), t, true) }, 49 * time.Hour,
		func(l Limit) int64 { return l.DailyMicros },
		func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC) }},
	{KindBudgetMonthly, func(dst []byte, t time.Time) []byte { return appendDate(append(dst, "m:"...), t, false) }, 63 * 24 * time.Hour,
		func(l Limit) int64 { return l.MonthlyMicros },
		func(t time.Time) time.Time { return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC) }},
	{KindBudgetTotal, func(dst []byte, _ time.Time) []byte { return append(dst, "total"...) }, 0,
		func(l Limit) int64 { return l.TotalMicros },
		func(time.Time) time.Time { return time.Time{} }},
}

// appendDate appends YYYYMMDD (or YYYYMM) without time.Format's allocation.
func appendDate(dst []byte, t time.Time, withDay bool) []byte {
	y, m, d := t.Date()
	dst = strconv.AppendInt(dst, int64(y), 10)
	dst = append(dst, byte('0'+m/10), byte('0'+m%10))
	if withDay {
		dst = append(dst, byte('0'+d/10), byte('0'+d%10))
	}
	return dst
}

// buildPlan lists the counters of one reservation. Budget counters of key, team and tenant are always
// kept (Spend reads them); RPM/TPM counters only where a limit is set. All keys are written into one
// buffer and sliced from one string: one allocation for the keys of a request.
func buildPlan(s Subject, r Rules, now time.Time, estTokens, worstMicros int64) plan {
	now = now.UTC()
	p := plan{now: now, counters: make([]counter, 0, maxCounters)}
	ends := make([]int, 0, 2*maxCounters+1)
	buf := make([]byte, 0, 768)
	tenant := escapeKeyPart(s.Tenant)
	buf = append(append(append(buf, "tg:rl:{"...), tenant...), "}:r:"...)
	ends = append(ends, len(buf))
	prefix := func(kind string, sc scopeRef) {
		buf = append(buf, kind...)
		buf = append(buf, '{')
		buf = append(buf, tenant...)
		buf = append(buf, "}:"...)
		buf = append(buf, sc.tag...)
		buf = append(buf, sc.id...)
		buf = append(buf, ':')
	}
	for _, sc := range scopes(s, r) {
		if sc.name == "" {
			continue
		}
		if sc.limit.RPM > 0 {
			prefix("tg:rl:", sc)
			buf = append(buf, "rpm"...)
			ends = append(ends, len(buf))
			p.counters = append(p.counters, counter{limit: sc.limit.RPM, inc: 1, kind: KindRequests, scope: sc.name})
		}
		if sc.limit.TPM > 0 {
			prefix("tg:rl:", sc)
			buf = append(buf, "tpm"...)
			ends = append(ends, len(buf))
			prefix("tg:rl:", sc)
			buf = append(buf, "tpm:n"...)
			ends = append(ends, len(buf))
			p.counters = append(p.counters, counter{limit: sc.limit.TPM, inc: estTokens, kind: KindTokens, scope: sc.name})
		}
		if sc.name == "model" {
			continue
		}
		for _, per := range budgetPeriods {
			var reset time.Duration
			if end := per.end(now); !end.IsZero() {
				reset = end.Sub(now)
			}
			prefix("tg:budget:", sc)
			buf = per.suffix(buf, now)
			ends = append(ends, len(buf))
			p.counters = append(p.counters, counter{limit: per.limit(sc.limit), inc: worstMicros, ttl: per.ttl, kind: per.kind, scope: sc.name, reset: reset})
		}
	}
	keys := string(buf)
	p.marker = keys[:ends[0]]
	start, e := ends[0], 1
	next := func() string {
		k := keys[start:ends[e]]
		start = ends[e]
		e++
		return k
	}
	for i := range p.counters {
		p.counters[i].key = next()
		if p.counters[i].kind == KindTokens {
			p.counters[i].sumKey = next()
		}
	}
	return p
}

// denial turns the counter that failed the check into a LimitError. wait is when enough of a sliding
// window frees up for the request (rate counters); budgets wait for their period's end.
func (c counter) denial(current int64, wait time.Duration) *LimitError {
	retry := c.reset
	if c.rate() {
		retry = wait
	}
	e := &LimitError{Kind: c.kind, Scope: c.scope, Limit: c.limit, Remaining: max(c.limit-current, 0), Requested: c.inc, RetryAfter: retry}
	if c.inc > c.limit {
		e.RetryAfter = 0 // waiting cannot help
	}
	return e
}
