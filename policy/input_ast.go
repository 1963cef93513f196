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

// inputValue builds the input document straight into OPA's value types.
func (c *termCache) inputValue(in *Input) ast.Value {
	b := inputBuilder{c: c, terms: make([]ast.Term, 0, 48), buf: make([]byte, 0, 384)}
	return b.input(in)
}

// inputBuilder builds one input document. Terms come from one slice and
// number texts from one buffer, instead of an allocation each: the whole
// document is built per request and dropped together.
type inputBuilder struct {
	c     *termCache
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
	n := 8
	if in.Phase == "response" {
		n = 9
	}
	var kv [9][2]*ast.Term
	kv[0] = item(kPhase, b.str(in.Phase))
	kv[1] = item(kRequest, b.request(&in.Request))
	kv[2] = item(kPrincipal, b.c.principalTerm(&in.Principal))
	kv[3] = item(kEstimate, b.obj(
		item(kPromptTokens, b.int(in.Estimate.PromptTokens)),
		item(kMaxCostUSD, b.float(in.Estimate.MaxCostUSD))))
	kv[4] = item(kFindings, b.findings(in.Findings))
	kv[5] = item(kSpend, b.spend(&in.Spend))
	kv[6] = item(kHealth, b.c.healthTerm(in.Health))
	kv[7] = item(kTime, b.c.timeTerm(&in.Time))
	if n == 9 {
		kv[8] = item(kResponse, b.response(&in.Response))
	}
	return ast.NewObject(kv[:n]...)
}

func (b *inputBuilder) request(r *Request) *ast.Term {
	var kv [11][2]*ast.Term
	kv[0] = item(kEndpoint, b.str(r.Endpoint))
	kv[1] = item(kModel, b.str(r.Model))
	kv[2] = item(kStream, ast.InternedTerm(r.Stream))
	kv[3] = item(kMaxTokens, b.int(r.MaxTokens))
	kv[4] = item(kN, b.int(r.N))
	kv[5] = item(kTools, b.strings(r.Tools))
	kv[6] = item(kMessageCount, b.int(r.MessageCount))
	kv[7] = item(kPromptChars, b.int(r.PromptChars))
	kv[8] = item(kUser, b.str(r.User))
	kv[9] = item(kMetadata, b.stringMap(r.Metadata))
	n := 10
	if r.HasTemperature {
		kv[n] = item(kTemperature, b.float(r.Temperature))
		n++
	}
	return b.obj(kv[:n]...)
}

func (b *inputBuilder) spend(s *Spend) *ast.Term {
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
	return b.obj(kv[:n]...)
}

func (b *inputBuilder) response(r *Response) *ast.Term {
	return b.obj(
		item(kModel, b.str(r.Model)),
		item(kFinishReason, b.str(r.FinishReason)),
		item(kUsage, b.obj(
			item(kPromptTokens, b.int(r.Usage.PromptTokens)),
			item(kCompletionTokens, b.int(r.Usage.CompletionTokens)),
			item(kTotalTokens, b.int(r.Usage.TotalTokens)))),
		item(kFindings, b.findings(r.Findings)))
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
