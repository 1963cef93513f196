package ireval

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
)

// Control codes returned by run; a value >= 0 is a pending break depth,
// relative to the block that returned it.
const (
	done     = -1 // the block ran to its end
	returned = -2 // a ReturnLocalStmt ran; the value is in state.ret
	aborted  = -3 // an error stopped evaluation; it is in state.err
)

// ErrCancelled is returned when the evaluation's Cancel fires.
var ErrCancelled = errors.New("ireval: evaluation cancelled")

// ConflictError is Rego's eval_conflict_error: a complete rule, function or
// object key produced two different values.
type ConflictError struct {
	Message string
	File    string
	Row     int
}

func (e *ConflictError) Error() string {
	if e.File == "" {
		return "eval_conflict_error: " + e.Message
	}
	return fmt.Sprintf("%s:%d: eval_conflict_error: %s", e.File, e.Row, e.Message)
}

// state is one evaluation's scratch space, pooled per Program.
type state struct {
	stack     []*ast.Term
	sp        int
	memo      []*ast.Term
	memoState []uint8 // 0 not computed, 1 defined, 2 undefined
	ret       *ast.Term
	result    *ast.Term
	err       error
	cancel    topdown.Cancel
	bctx      topdown.BuiltinContext
	cache     builtins.Cache
	args      []*ast.Term
	terms     []ast.Term // slab for made collections, see newTerm
	out       *ast.Term
	outs      []*ast.Term
	collect   bool // the builtin being called is a relation
	onOutput  func(*ast.Term) error
	prog      *Program
	recs      []*record // see record.go; recs[:nrec] in use
	nrec      int
	smalls    []*SmallSet // see smallset.go; smalls[:nsmall] in use
	nsmall    int
	smallObjs []*SmallObject // see smallobject.go; smallObjs[:nsmallObj] in use
	nsmallObj int
	lazy      bool // EvalLazy: a record result is returned as it is
}

var capabilities = ast.CapabilitiesForThisVersion()

// emptyObject and emptySet are what MakeObject and MakeSet start a local
// with: most partial rules of a decision stay empty, and a shared empty
// value costs no allocation. The first insert swaps in a fresh collection
// (the term is the local's own, so aliases see it); nothing mutates these two.
var (
	emptyObject = ast.NewObject()
	emptySet    = ast.NewSet()
)

var timeNow = time.Now

// termSlab is how many made collections an evaluation holds without allocating terms.
const termSlab = 64

// Result is an evaluation's value: nil when the entrypoint is undefined. It
// may point into pooled memory, so read it before calling Release, once.
type Result struct {
	Value *ast.Term
	s     *state
	p     *Program
}

// Release returns the evaluation's memory to the pool.
func (r Result) Release() {
	if r.s != nil {
		r.p.release(r.s)
	}
}

// Eval runs the plan. cancel may be nil; it is polled at every call and loop
// step. On error nothing needs releasing.
func (p *Program) Eval(ctx context.Context, input, data *ast.Term, cancel topdown.Cancel) (Result, error) {
	return p.eval(ctx, input, data, cancel, false)
}

// EvalLazy is Eval, except that an object literal the entrypoint returns
// (as the decision is) may come back as a *LazyObject: read its fields with
// LazyObject.Get, or Concrete gives the ordinary object.
func (p *Program) EvalLazy(ctx context.Context, input, data *ast.Term, cancel topdown.Cancel) (Result, error) {
	return p.eval(ctx, input, data, cancel, true)
}

func (p *Program) eval(ctx context.Context, input, data *ast.Term, cancel topdown.Cancel, lazy bool) (Result, error) {
	s := p.acquire()
	s.lazy = lazy
	s.cancel = cancel
	s.bctx.Context, s.bctx.Cancel = ctx, cancel
	if p.usesTime {
		s.bctx.Time = ast.UIntNumberTerm(uint64(timeNow().UnixNano()))
	}
	loc := s.stack[:p.planSize]
	if poisonStale != nil {
		poison(loc)
	}
	for _, l := range p.planClear {
		loc[l] = nil
	}
	loc[0], loc[1] = input, data
	s.sp = p.planSize
	v, err := s.runPlan(loc)
	if err != nil {
		p.release(s)
		return Result{}, err
	}
	return Result{Value: v, s: s, p: p}, nil
}

func (s *state) runPlan(loc []*ast.Term) (*ast.Term, error) {
	p := s.prog
	if p.entry != nil { // the plan only wraps one function's value as {"result": v}
		v, c := s.call(p.entry, p.entryArgs[:], loc)
		if c == aborted {
			return nil, s.err
		}
		if s.lazy && v != nil && isRecord(v) {
			return v, nil
		}
		return concrete(v), nil
	}
	for _, b := range p.plan {
		if s.run(b, loc) == aborted {
			return nil, s.err
		}
	}
	if s.result == nil {
		return nil, nil
	}
	obj, ok := concrete(s.result).Value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("ireval: plan result is %T, want an object", s.result.Value)
	}
	return obj.Get(p.resultKey), nil
}

// newTerm takes a term from the evaluation's slab: made collections are
// only read until Release.
func (s *state) newTerm(v ast.Value) *ast.Term {
	if len(s.terms) == cap(s.terms) {
		return ast.NewTerm(v)
	}
	s.terms = s.terms[:len(s.terms)+1]
	t := &s.terms[len(s.terms)-1]
	t.Value = v
	return t
}

func (p *Program) acquire() *state {
	if s, ok := p.pool.Get().(*state); ok {
		return s
	}
	s := &state{
		stack:     make([]*ast.Term, p.maxStack),
		memo:      make([]*ast.Term, len(p.funcs)),
		memoState: make([]uint8, len(p.funcs)),
		terms:     make([]ast.Term, 0, termSlab),
		cache:     builtins.Cache{},
		prog:      p,
	}
	s.bctx = topdown.BuiltinContext{
		Metrics:      metrics.NoOp(),
		Seed:         rand.Reader,
		Cache:        s.cache,
		Capabilities: capabilities,
	}
	s.onOutput = s.capture
	return s
}

func (p *Program) release(s *state) {
	// The stack is not cleared: a call clears what it may read before
	// writing (frame.go), and clearing pointers is costly while the GC
	// marks. What stays there is one evaluation's locals, kept at most until
	// the state's next use or the pool drops it.
	clear(s.memo)
	clear(s.memoState)
	clear(s.cache)
	clear(s.args[:cap(s.args)])
	clear(s.outs[:cap(s.outs)])
	clear(s.terms)
	s.terms = s.terms[:0]
	s.releaseRecords()
	s.releaseSmallSets()
	s.releaseSmallObjects()
	s.ret, s.result, s.err, s.cancel, s.out = nil, nil, nil, nil, nil
	s.bctx.Context, s.bctx.Cancel, s.bctx.Time = nil, nil, nil
	p.pool.Put(s)
}

// capture receives a builtin's outputs.
func (s *state) capture(t *ast.Term) error {
	if s.collect {
		s.outs = append(s.outs, t)
	} else if s.out == nil {
		s.out = t
	}
	return nil
}

func (s *state) stopped() bool {
	if s.cancel != nil && s.cancel.Cancelled() {
		s.err = ErrCancelled
		return true
	}
	return false
}
