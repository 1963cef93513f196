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

	kTenant, kTeam, kKeyID, kTags = key("tenant"), key("team"), key("key_id"), key("tags")

	kPromptTokens         = key("prompt_tokens")
	kKind, kScore, kCount = key("kind"), key("score"), key("count")

	kStatus, kErrorRate, kP99Ms = key("status"), key("error_rate"), key("p99_ms")
	kNow, kHour, kWeekday       = key("now"), key("hour"), key("weekday")

	kCompletionTokens, kTotalTokens = key("completion_tokens"), key("total_tokens")

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
	return b.number(func(dst []byte) []byte { return appendFloat(dst, f) })
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
		add(kRequest, b.part(objRequest, in))
	}
	if s.has("principal") {
		add(kPrincipal, b.c.principalTerm(&in.Principal))
	}
	if s.has("estimate") {
		add(kEstimate, b.part(objEstimate, in))
	}
	if s.has("findings") {
		add(kFindings, b.findings(in.Findings))
	}
	if s.has("spend") {
		add(kSpend, b.part(objSpend, in))
	}
	if s.has("health") {
		add(kHealth, b.c.healthTerm(in.Health))
	}
	if s.has("time") {
		add(kTime, b.c.timeTerm(&in.Time))
	}
	if in.Phase == "response" && s.has("response") {
		add(kResponse, b.part(objResponse, in))
	}
	return ast.NewObject(kv[:n]...)
}

// The request, estimate, spend and response objects are built from one
// table: objectKeys lists each object's keys and field returns the value
// under one key, so the whole object (here) and a single lookup of the
// compiled evaluator's lazy input (input_view.go) cannot disagree.
type objectKind uint8

const (
	objInput objectKind = iota // the document itself: its keys for the lazy input's cache
	objRequest
	objEstimate
	objSpend
	objResponse
	objectKinds
)

var objectKeys = [objectKinds][]string{
	objInput:    {"phase", "request", "principal", "estimate", "findings", "spend", "health", "time", "response"},
	objRequest:  {"endpoint", "model", "stream", "max_tokens", "temperature", "n", "tools", "message_count", "prompt_chars", "user", "metadata"},
	objEstimate: {"prompt_tokens", "max_cost_usd"},
	objSpend:    {"tenant_today", "tenant_month", "team_today", "team_month", "key_today", "key_month", "budget_remaining"},
	objResponse: {"model", "finish_reason", "usage", "findings"},
}

// maxObjectKeys is the most keys one object has (the request's 11).
const maxObjectKeys = 11

// objectKeyTerms are objectKeys as shared terms.
var objectKeyTerms = func() (out [objectKinds][]*ast.Term) {
	for k, keys := range objectKeys {
		for _, name := range keys {
			out[k] = append(out[k], key(name))
		}
	}
	return out
}()

// objectName is the input key each object sits under.
var objectName = [objectKinds]string{objRequest: "request", objEstimate: "estimate", objSpend: "spend", objResponse: "response"}

// part builds the object under its input key, pruned to the keys the policy can read.
func (b *inputBuilder) part(kind objectKind, in *Input) *ast.Term {
	return b.object(kind, in, b.shape.sub(objectName[kind]))
}

// object builds one of the objects with the keys in want (nil: all); a field
// that is undefined (nil) is left out.
func (b *inputBuilder) object(kind objectKind, in *Input, want map[string]bool) *ast.Term {
	var kv [maxObjectKeys][2]*ast.Term
	n := 0
	for i, name := range objectKeys[kind] {
		if want != nil && !want[name] {
			continue
		}
		if v := b.field(kind, in, name); v != nil {
			kv[n] = item(objectKeyTerms[kind][i], v)
			n++
		}
	}
	return b.obj(kv[:n]...)
}

// field is the value of one key of a request, estimate, spend or response
// object, or nil when it is undefined (input.request.temperature when the
// client sent none, input.spend.budget_remaining when no budget applies).
func (b *inputBuilder) field(kind objectKind, in *Input, name string) *ast.Term {
	switch kind {
	case objRequest:
		r := &in.Request
		switch name {
		case "endpoint":
			return b.str(r.Endpoint)
		case "model":
			return b.str(r.Model)
		case "stream":
			return ast.InternedTerm(r.Stream)
		case "max_tokens":
			return b.int(r.MaxTokens)
		case "temperature":
			if r.HasTemperature {
				return b.float(r.Temperature)
			}
		case "n":
			return b.int(r.N)
		case "tools":
			return b.strings(r.Tools)
		case "message_count":
			return b.int(r.MessageCount)
		case "prompt_chars":
			return b.int(r.PromptChars)
		case "user":
			return b.str(r.User)
		case "metadata":
			return b.stringMap(r.Metadata)
		}
	case objEstimate:
		switch name {
		case "prompt_tokens":
			return b.int(in.Estimate.PromptTokens)
		case "max_cost_usd":
			return b.float(in.Estimate.MaxCostUSD)
		}
	case objSpend:
		s := &in.Spend
		switch name {
		case "tenant_today":
			return b.float(s.TenantToday)
		case "tenant_month":
			return b.float(s.TenantMonth)
		case "team_today":
			return b.float(s.TeamToday)
		case "team_month":
			return b.float(s.TeamMonth)
		case "key_today":
			return b.float(s.KeyToday)
		case "key_month":
			return b.float(s.KeyMonth)
		case "budget_remaining":
			if s.HasBudget {
				return b.float(s.BudgetRemaining)
			}
		}
	case objResponse:
		r := &in.Response
		switch name {
		case "model":
			return b.str(r.Model)
		case "finish_reason":
			return b.str(r.FinishReason)
		case "usage":
			return b.usage(&r.Usage)
		case "findings":
			return b.findings(r.Findings)
		}
	}
	return nil
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
	return b.number(func(dst []byte) []byte { return appendFloat(dst, f) })
}
