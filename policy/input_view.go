package policy

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/tollgate-ai/tollgate/policy/ireval"
)

// lazyInput is one decision's input for the compiled evaluator: the input
// document and its request, estimate, spend and response objects are
// ireval.LazyObjects, so a decision builds only the fields its rules look up
// (a string field costs nothing, a number one slab term) instead of the whole
// pruned document. Each Get returns exactly what the builder in input_ast.go
// would put under that key, and Full is that builder, so both views agree.
// Pooled: nothing built here may outlive the decision (parseDecision copies
// what it keeps into Go values before release).
type lazyInput struct {
	b     inputBuilder
	in    *Input
	objs  [viewCount]ireval.LazyObject
	terms [viewCount]ast.Term
	docs  [viewCount]viewDoc
	// got caches each field's term for the decision: rules look the same
	// fields up again and again (input.phase once per rule).
	got [viewCount][maxViewFields]*ast.Term
}

// maxViewFields is the most keys one view has (the request's 11).
const maxViewFields = 11

type viewKind uint8

const (
	viewInput viewKind = iota
	viewRequest
	viewEstimate
	viewSpend
	viewResponse
	viewCount
)

// viewDoc is one lazy object of the input; it implements ireval.LazyDoc.
type viewDoc struct {
	li   *lazyInput
	kind viewKind
}

var lazyInputPool sync.Pool

func acquireLazyInput(c *termCache, in *Input) *lazyInput {
	li, _ := lazyInputPool.Get().(*lazyInput)
	if li == nil {
		li = &lazyInput{b: inputBuilder{terms: make([]ast.Term, 0, 32), buf: make([]byte, 0, 256)}}
		for k := range viewCount {
			li.docs[k] = viewDoc{li: li, kind: k}
			li.terms[k].Value = &li.objs[k]
		}
	}
	li.in = in
	li.b.c, li.b.shape = c, c.shape
	for k := range viewCount {
		li.objs[k].Reset(&li.docs[k])
	}
	return li
}

func releaseLazyInput(li *lazyInput) {
	clear(li.b.terms[:cap(li.b.terms)])
	li.b.terms, li.b.buf = li.b.terms[:0], li.b.buf[:0]
	li.in, li.b.c, li.b.shape = nil, nil, nil
	clear(li.got[:])
	for k := range viewCount {
		li.objs[k].Reset(nil)
	}
	lazyInputPool.Put(li)
}

// root is the input document's term.
func (li *lazyInput) root() *ast.Term { return &li.terms[viewInput] }

func (d *viewDoc) Get(key string) *ast.Term {
	i := fieldIndex(d.kind, key)
	if i < 0 {
		return nil
	}
	slot := &d.li.got[d.kind][i]
	if *slot == nil {
		*slot = d.build(key)
		if *slot == nil {
			*slot = undefinedField
		}
	}
	if *slot == undefinedField {
		return nil
	}
	return *slot
}

// undefinedField marks a cached lookup that found nothing.
var undefinedField = ast.NewTerm(ast.Null{})

// fieldIndex numbers a view's keys for the cache; -1: not a key of the view.
func fieldIndex(kind viewKind, key string) int {
	keys := viewKeys[kind]
	for i, k := range keys {
		if k == key {
			return i
		}
	}
	return -1
}

var viewKeys = [viewCount][]string{
	viewInput:    {"phase", "request", "principal", "estimate", "findings", "spend", "health", "time", "response"},
	viewRequest:  {"endpoint", "model", "stream", "max_tokens", "temperature", "n", "tools", "message_count", "prompt_chars", "user", "metadata"},
	viewEstimate: {"prompt_tokens", "max_cost_usd"},
	viewSpend:    {"tenant_today", "tenant_month", "team_today", "team_month", "key_today", "key_month", "budget_remaining"},
	viewResponse: {"model", "finish_reason", "usage", "findings"},
}

func (d *viewDoc) build(key string) *ast.Term {
	li, b, in := d.li, &d.li.b, d.li.in
	switch d.kind {
	case viewInput:
		switch key {
		case "phase":
			return b.str(in.Phase)
		case "request":
			return &li.terms[viewRequest]
		case "principal":
			return b.c.principalTerm(&in.Principal)
		case "estimate":
			return &li.terms[viewEstimate]
		case "findings":
			return b.findings(in.Findings)
		case "spend":
			return &li.terms[viewSpend]
		case "health":
			return b.c.healthTerm(in.Health)
		case "time":
			return b.c.timeTerm(&in.Time)
		case "response":
			if in.Phase == "response" {
				return &li.terms[viewResponse]
			}
		}
	case viewRequest:
		return requestField(b, &in.Request, key)
	case viewEstimate:
		switch key {
		case "prompt_tokens":
			return b.int(in.Estimate.PromptTokens)
		case "max_cost_usd":
			return b.float(in.Estimate.MaxCostUSD)
		}
	case viewSpend:
		return spendField(b, &in.Spend, key)
	case viewResponse:
		return responseField(b, &in.Response, key)
	}
	return nil
}

func (d *viewDoc) Full() ast.Value {
	b, in, s := &d.li.b, d.li.in, d.li.b.shape
	switch d.kind {
	case viewRequest:
		return b.request(&in.Request, s.sub("request")).Value
	case viewEstimate:
		return b.estimate(&in.Estimate).Value
	case viewSpend:
		return b.spend(&in.Spend, s.sub("spend")).Value
	case viewResponse:
		return b.response(&in.Response, s.sub("response")).Value
	}
	return b.input(in)
}

func requestField(b *inputBuilder, r *Request, key string) *ast.Term {
	switch key {
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
	return nil
}

func spendField(b *inputBuilder, s *Spend, key string) *ast.Term {
	switch key {
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
	return nil
}

func responseField(b *inputBuilder, r *Response, key string) *ast.Term {
	switch key {
	case "model":
		return b.str(r.Model)
	case "finish_reason":
		return b.str(r.FinishReason)
	case "usage":
		return b.usage(&r.Usage)
	case "findings":
		return b.findings(r.Findings)
	}
	return nil
}
