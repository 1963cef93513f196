package policy

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Object keys of the input document, built once.
var (
	kPhase, kRequest, kPrincipal, kEstimate, kFindings = key("phase"), key("request"), key("principal"), key("estimate"), key("findings")
	kSpend, kHealth, kTime, kResponse                  = key("spend"), key("health"), key("time"), key("response")

	kEndpoint, kModel, kStream, kMaxTokens, kTemperature = key("endpoint"), key("model"), key("stream"), key("max_tokens"), key("temperature")
	kN, kTools, kMessageCount, kPromptChars, kUser       = key("n"), key("tools"), key("message_count"), key("prompt_chars"), key("user")
	kMetadata                                            = key("metadata")

	kTenant, kTeam, kKeyID, kTags = key("tenant"), key("team"), key("key_id"), key("tags")

	kPromptTokens, kMaxCostUSD = key("prompt_tokens"), key("max_cost_usd")
	kKind, kScore, kCount      = key("kind"), key("score"), key("count")

	kTenantToday, kTenantMonth, kTeamToday, kTeamMonth = key("tenant_today"), key("tenant_month"), key("team_today"), key("team_month")
	kKeyToday, kKeyMonth, kBudgetRemaining             = key("key_today"), key("key_month"), key("budget_remaining")

	kStatus, kErrorRate, kP99Ms = key("status"), key("error_rate"), key("p99_ms")
	kNow, kHour, kWeekday       = key("now"), key("hour"), key("weekday")

	kFinishReason, kUsage, kCompletionTokens, kTotalTokens = key("finish_reason"), key("usage"), key("completion_tokens"), key("total_tokens")

	emptyArray  = ast.ArrayTerm()
	emptyObject = ast.ObjectTerm()
)

func key(s string) *ast.Term { return ast.InternedTerm(s) }

// inputValue builds the whole input document straight into OPA's value types.
func (c *termCache) inputValue(in *Input) ast.Value { return c.build(in, nil) }

// evalInput builds only the part of the input the policy can read (c.shape).
func (c *termCache) evalInput(in *Input) ast.Value { return c.build(in, c.shape) }

func (c *termCache) build(in *Input, shape *inputShape) ast.Value {
	b := inputBuilder{c: c, shape: shape, terms: make([]ast.Term, 0, 48), buf: make([]byte, 0, 384)}
	return b.input(in)
}

// inputBuilder builds one input document. Terms come from one slice and
// number texts from one buffer, instead of an allocation each: the whole
// document is built per request and dropped together.
type inputBuilder struct {
	c     *termCache
	shape *inputShape // nil: everything
	terms []ast.Term
	buf   []byte // number texts; never rewritten, so strings may point into it
}

func (b *inputBuilder) term(v ast.Value) *ast.Term {
	if len(b.terms) == cap(b.terms) {
		return &ast.Term{Value: v}
	}
	b.terms = b.terms[:len(b.terms)+1]
	t := &b.terms[len(b.terms)-1]
	t.Value = v
	return t
}

func (b *inputBuilder) obj(kv ...[2]*ast.Term) *ast.Term { return b.term(ast.NewObject(kv...)) }

func (b *inputBuilder) str(s string) *ast.Term {
	if t, ok := b.c.strs[s]; ok {
		return t
	}
	if s == "" {
		return ast.InternedTerm("")
	}
	return b.term(ast.String(s))
}

func (b *inputBuilder) int(i int) *ast.Term {
	if ast.HasInternedIntNumberTerm(i) {
		return ast.InternedTerm(i)
	}
	return b.number(func(dst []byte) []byte { return strconv.AppendInt(dst, int64(i), 10) })
}

// float keeps integral values as integers and maps NaN/Inf (not JSON) to 0.
func (b *inputBuilder) float(f float64) *ast.Term {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return ast.InternedTerm(0)
	case f == math.Trunc(f) && math.Abs(f) < 1<<53:
		return b.int(int(f))
	}
	return b.number(func(dst []byte) []byte { return strconv.AppendFloat(dst, f, 'g', -1, 64) })
}

func (b *inputBuilder) number(appendText func([]byte) []byte) *ast.Term {
	start := len(b.buf)
	if cap(b.buf)-start < 32 { // full: a fresh string (the buffer must never move)
		return ast.NewTerm(ast.Number(appendText(nil)))
	}
	b.buf = appendText(b.buf)
	return b.term(ast.Number(unsafe.String(&b.buf[start], len(b.buf)-start)))
}

func (b *inputBuilder) input(in *Input) ast.Value {
	s := b.shape
	var kv [9][2]*ast.Term
	n := 0
	add := func(k *ast.Term, v *ast.Term) { kv[n] = item(k, v); n++ }
	if s.has("phase") {
		add(kPhase, b.str(in.Phase))
	}
	if s.has("request") {
		add(kRequest, b.request(&in.Request, s.sub("request")))
	}
	if s.has("principal") {
		add(kPrincipal, b.c.principalTerm(&in.Principal))
	}
	if s.has("estimate") {
		add(kEstimate, b.estimate(&in.Estimate))
	}
	if s.has("findings") {
		add(kFindings, b.findings(in.Findings))
	}
	if s.has("spend") {
		add(kSpend, b.spend(&in.Spend, s.sub("spend")))
	}
	if s.has("health") {
		add(kHealth, b.c.healthTerm(in.Health))
	}
	if s.has("time") {
		add(kTime, b.c.timeTerm(&in.Time))
	}
	if in.Phase == "response" && s.has("response") {
		add(kResponse, b.response(&in.Response, s.sub("response")))
	}
	return ast.NewObject(kv[:n]...)
}

// request builds the request object with the keys in want (nil: all).
func (b *inputBuilder) request(r *Request, want map[string]bool) *ast.Term {
	var kv [11][2]*ast.Term
	n := 0
	add := func(k string, kt *ast.Term, v func() *ast.Term) {
		if want == nil || want[k] {
			kv[n] = item(kt, v())
			n++
		}
	}
	add("endpoint", kEndpoint, func() *ast.Term { return b.str(r.Endpoint) })
	add("model", kModel, func() *ast.Term { return b.str(r.Model) })
	add("stream", kStream, func() *ast.Term { return ast.InternedTerm(r.Stream) })
	add("max_tokens", kMaxTokens, func() *ast.Term { return b.int(r.MaxTokens) })
	add("n", kN, func() *ast.Term { return b.int(r.N) })
	add("tools", kTools, func() *ast.Term { return b.strings(r.Tools) })
	add("message_count", kMessageCount, func() *ast.Term { return b.int(r.MessageCount) })
	add("prompt_chars", kPromptChars, func() *ast.Term { return b.int(r.PromptChars) })
	add("user", kUser, func() *ast.Term { return b.str(r.User) })
	add("metadata", kMetadata, func() *ast.Term { return b.stringMap(r.Metadata) })
	if r.HasTemperature {
		add("temperature", kTemperature, func() *ast.Term { return b.float(r.Temperature) })
	}
	return b.obj(kv[:n]...)
}

func (b *inputBuilder) spend(s *Spend, want map[string]bool) *ast.Term {
	kv := [7][2]*ast.Term{
		item(kTenantToday, b.float(s.TenantToday)),
		item(kTenantMonth, b.float(s.TenantMonth)),
		item(kTeamToday, b.float(s.TeamToday)),
		item(kTeamMonth, b.float(s.TeamMonth)),
		item(kKeyToday, b.float(s.KeyToday)),
		item(kKeyMonth, b.float(s.KeyMonth)),
	}
	n := 6
	if s.HasBudget {
		kv[n] = item(kBudgetRemaining, b.float(s.BudgetRemaining))
		n++
	}
	return b.obj(only(want, kv[:n])...)
}

// only keeps the items whose key is in want (nil: all), in place.
func only(want map[string]bool, kv [][2]*ast.Term) [][2]*ast.Term {
	if want == nil {
		return kv
	}
	n := 0
	for _, it := range kv {
		if want[string(it[0].Value.(ast.String))] {
			kv[n] = it
			n++
		}
	}
	return kv[:n]
}

func (b *inputBuilder) response(r *Response, want map[string]bool) *ast.Term {
	var kv [4][2]*ast.Term
	n := 0
	add := func(k string, kt *ast.Term, v func() *ast.Term) {
		if want == nil || want[k] {
			kv[n] = item(kt, v())
			n++
		}
	}
	add("model", kModel, func() *ast.Term { return b.str(r.Model) })
	add("finish_reason", kFinishReason, func() *ast.Term { return b.str(r.FinishReason) })
	add("usage", kUsage, func() *ast.Term { return b.usage(&r.Usage) })
	add("findings", kFindings, func() *ast.Term { return b.findings(r.Findings) })
	return b.obj(kv[:n]...)
}

func (b *inputBuilder) estimate(e *Estimate) *ast.Term {
	return b.obj(item(kPromptTokens, b.int(e.PromptTokens)), item(kMaxCostUSD, b.float(e.MaxCostUSD)))
}

func (b *inputBuilder) usage(u *Usage) *ast.Term {
	return b.obj(
		item(kPromptTokens, b.int(u.PromptTokens)),
		item(kCompletionTokens, b.int(u.CompletionTokens)),
		item(kTotalTokens, b.int(u.TotalTokens)))
}

func (b *inputBuilder) findings(fs []Finding) *ast.Term {
	if len(fs) == 0 {
		return emptyArray
	}
	ts := make([]*ast.Term, len(fs))
	for i := range fs {
		ts[i] = b.obj(
			item(kKind, b.str(fs[i].Kind)),
			item(kScore, b.float(fs[i].Score)),
			item(kCount, b.int(fs[i].Count)))
	}
	return b.term(ast.NewArray(ts...))
}

func (b *inputBuilder) strings(ss []string) *ast.Term {
	if len(ss) == 0 {
		return emptyArray
	}
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = b.str(s)
	}
	return b.term(ast.NewArray(ts...))
}

func (b *inputBuilder) stringMap(m map[string]string) *ast.Term {
	if len(m) == 0 {
		return emptyObject
	}
	kv := make([][2]*ast.Term, 0, len(m))
	for k, v := range m {
		kv = append(kv, item(b.str(k), b.str(v)))
	}
	return b.obj(kv...)
}

func item(k, v *ast.Term) [2]*ast.Term { return [2]*ast.Term{k, v} }

// intTerm and floatTerm build terms that outlive one input (cached parts).
func intTerm(i int) *ast.Term { return ast.InternedTerm(i) }

func floatTerm(f float64) *ast.Term {
	b := inputBuilder{}
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return ast.InternedTerm(0)
	case f == math.Trunc(f) && math.Abs(f) < 1<<53:
		return ast.InternedTerm(int(f))
	}
	return b.number(func(dst []byte) []byte { return strconv.AppendFloat(dst, f, 'g', -1, 64) })
}
