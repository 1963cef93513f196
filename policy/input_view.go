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
	objs  [objectKinds]ireval.LazyObject
	terms [objectKinds]ast.Term
	docs  [objectKinds]viewDoc
	// got caches each field's term for the decision: rules look the same
	// fields up again and again (input.phase once per rule).
	got [objectKinds][maxObjectKeys]*ast.Term
	// touched has bit k set when got[k] holds something (release clears
	// only those rows: clearing pointers is costly while the GC marks).
	touched uint8
	// full has bit k set when object k was built whole (Full): the decision
	// then depends on all of it (reads, for the response memo).
	full uint8
}

// viewDoc is one lazy object of the input; it implements ireval.LazyDoc.
type viewDoc struct {
	li   *lazyInput
	kind objectKind
}

var lazyInputPool sync.Pool

func acquireLazyInput(c *termCache, in *Input) *lazyInput {
	li, _ := lazyInputPool.Get().(*lazyInput)
	if li == nil {
		li = &lazyInput{b: inputBuilder{terms: make([]ast.Term, 0, 32), buf: make([]byte, 0, 256)}}
		for k := range objectKinds {
			li.docs[k] = viewDoc{li: li, kind: k}
			li.terms[k].Value = &li.objs[k]
		}
	}
	li.in = in
	li.b.c, li.b.shape = c, c.shape
	for k := range objectKinds {
		li.objs[k].Reset(&li.docs[k])
	}
	return li
}

func releaseLazyInput(li *lazyInput) {
	clear(li.b.terms) // the builder only appends within its capacity: the rest is clear
	li.b.terms, li.b.buf = li.b.terms[:0], li.b.buf[:0]
	li.in, li.b.c, li.b.shape = nil, nil, nil
	for k := range objectKinds {
		if li.touched&(1<<k) != 0 {
			clear(li.got[k][:])
		}
	}
	li.touched, li.full = 0, 0
	for k := range objectKinds {
		li.objs[k].Reset(nil)
	}
	lazyInputPool.Put(li)
}

// root is the input document's term.
func (li *lazyInput) root() *ast.Term { return &li.terms[objInput] }

func (d *viewDoc) Get(key string) *ast.Term {
	i := fieldIndex(d.kind, key)
	if i < 0 {
		return nil
	}
	slot := &d.li.got[d.kind][i]
	if *slot == nil {
		d.li.touched |= 1 << d.kind
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

// fieldIndex numbers an object's keys for the cache (their index in
// objectKeys); -1: not one of its keys. A switch per object, which Go
// compiles to a jump on the length and a compare or two, instead of a scan
// of objectKeys: the examples look fields up some fifty times a request.
// TestFieldIndexMatchesObjectKeys keeps the two in step.
func fieldIndex(kind objectKind, key string) int {
	switch kind {
	case objInput:
		switch key {
		case "phase":
			return 0
		case "request":
			return 1
		case "principal":
			return 2
		case "estimate":
			return 3
		case "findings":
			return 4
		case "spend":
			return 5
		case "health":
			return 6
		case "time":
			return 7
		case "response":
			return 8
		}
	case objRequest:
		switch key {
		case "endpoint":
			return 0
		case "model":
			return 1
		case "stream":
			return 2
		case "max_tokens":
			return 3
		case "temperature":
			return 4
		case "n":
			return 5
		case "tools":
			return 6
		case "message_count":
			return 7
		case "prompt_chars":
			return 8
		case "user":
			return 9
		case "metadata":
			return 10
		}
	case objEstimate:
		switch key {
		case "prompt_tokens":
			return 0
		case "max_cost_usd":
			return 1
		}
	case objSpend:
		switch key {
		case "tenant_today":
			return 0
		case "tenant_month":
			return 1
		case "team_today":
			return 2
		case "team_month":
			return 3
		case "key_today":
			return 4
		case "key_month":
			return 5
		case "budget_remaining":
			return 6
		}
	case objResponse:
		switch key {
		case "model":
			return 0
		case "finish_reason":
			return 1
		case "usage":
			return 2
		case "findings":
			return 3
		}
	}
	return -1
}

// build is the value under key: the top-level document's own fields (the
// objects below it are lazy too), or the shared field table's.
func (d *viewDoc) build(key string) *ast.Term {
	li, b, in := d.li, &d.li.b, d.li.in
	if d.kind != objInput {
		return b.field(d.kind, in, key)
	}
	switch key {
	case "phase":
		return b.str(in.Phase)
	case "principal":
		return b.c.principalTerm(&in.Principal)
	case "findings":
		return b.findings(in.Findings)
	case "health":
		return b.c.healthTerm(in.Health)
	case "time":
		return b.c.timeTerm(&in.Time)
	case "request":
		return &li.terms[objRequest]
	case "estimate":
		return &li.terms[objEstimate]
	case "spend":
		return &li.terms[objSpend]
	case "response":
		if in.Phase == "response" {
			return &li.terms[objResponse]
		}
	}
	return nil
}

func (d *viewDoc) Full() ast.Value {
	d.li.full |= 1 << d.kind
	if d.kind == objInput {
		return d.li.b.input(d.li.in)
	}
	return d.li.b.part(d.kind, d.li.in).Value
}
