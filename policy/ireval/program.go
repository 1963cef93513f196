// Package ireval runs a Rego policy by interpreting the query plan OPA's own
// planner compiles it to (the IR behind `opa build -t plan` and Wasm), instead
// of walking the AST with topdown. The plan is resolved once into a compact
// program: string constants become terms, functions and builtins are linked by
// index, and locals live in one preallocated stack, so a decision costs a few
// map lookups and the allocations of the values it builds.
//
// Control flow follows the Wasm backend, which defines the IR's semantics: every
// block is a break target, an undefined statement exits its block, a scan's
// body is a loop whose level 0 is "next element", and functions of (input, data)
// are memoised per evaluation.
package ireval

import (
	"fmt"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// Program is a linked plan, immutable and safe for concurrent Eval.
type Program struct {
	plan      []*block // the entrypoint's blocks
	planSize  int      // locals the plan uses
	planClear []int    // the plan's locals to clear before it runs (see frame.go)
	funcs     []*function
	maxStack  int // locals of the deepest call chain, plan included
	resultKey *ast.Term
	files     []string
	dynFuncs  map[string]*function // by path, for CallDynamicStmt
	entry     *function            // set when the plan is just {"result": entry(input, data)}
	entryArgs [2]operand
	usesTime  bool     // time.now_ns needs the evaluation's clock
	nondet    []string // see Nondeterministic
	pool      sync.Pool
}

type function struct {
	name    string
	params  []int
	ret     int
	blocks  []*block
	size    int   // number of locals
	clear   []int // the locals a call clears (see frame.go)
	memo    bool  // params are exactly (input, data): the result is memoised per evaluation
	index   int
	path    string // data path for dynamic calls, NUL-joined; "" for none
	stack   int    // locals of this function and its deepest callee chain
	visited uint8
}

type block struct{ stmts []stmt }

type opcode uint8

const (
	opReturn opcode = iota
	opCall
	opCallBuiltin
	opCallDynamic
	opBlock
	opBreak
	opDot
	opLen
	opScan
	opNot
	opAssignInt
	opAssignVar
	opAssignVarOnce
	opResetLocal
	opMakeNull
	opMakeNumber // int and ref numbers: a constant term
	opMakeArray
	opMakeObject
	opMakeSet
	opEqual
	opNotEqual
	opIsArray
	opIsObject
	opIsSet
	opIsDefined
	opIsUndefined
	opArrayAppend
	opObjectInsert
	opObjectInsertOnce
	opObjectMerge
	opSetAdd
	opWith
	opNop
	opResultSetAdd
	opMakeRecord // fused MakeObject and constant-key inserts, see record.go
)

// operand is a local (konst == nil) or a constant term.
type operand struct {
	local int
	konst *ast.Term
}

// stmt holds what most statements read; the rest is behind *stmtExt
// (promoted fields), so a block's statements are 64 bytes each, not 264: a
// decision runs a few hundred of them, and under load the smaller program
// stays in the CPU's caches between requests.
type stmt struct {
	op     opcode
	a, b   operand // sources: Dot(source, key), Equal(a, b), ObjectInsert(key, value), ...
	target int
	index  int // break depth, capacity, or the AssignInt value's slot
	*stmtExt
}

// stmtExt is a statement's less used operands, never nil in a linked program.
type stmtExt struct {
	num    *ast.Term
	blocks []*block // BlockStmt's blocks; Scan, Not and With use blocks[0]
	args   []operand
	fn     *function
	bi     *builtin
	path   []*ast.Term // With's upsert path; CallDynamic's path operands use args
	dynOps []operand   // CallDynamic's arguments
	rec    *recordShape
	loc    ir.Location
}

// link resolves a planned policy into a Program.
func link(p *ir.Policy) (*Program, error) {
	if p.Plans == nil || len(p.Plans.Plans) != 1 {
		return nil, fmt.Errorf("ireval: want exactly one plan")
	}
	l := &linker{byName: map[string]*function{}, builtins: map[string]*builtin{}, callees: map[*function][]*function{}}
	for _, s := range p.Static.Strings {
		l.strings = append(l.strings, ast.StringTerm(s.Value))
	}
	for _, f := range p.Static.Files {
		l.files = append(l.files, f.Value)
	}
	if p.Funcs != nil {
		for i, f := range p.Funcs.Funcs {
			fn := &function{name: f.Name, ret: int(f.Return), index: i, memo: len(f.Params) == 2, path: strings.Join(f.Path, "\x00")}
			for _, prm := range f.Params {
				fn.params = append(fn.params, int(prm))
			}
			l.byName[f.Name] = fn
			l.funcs = append(l.funcs, fn)
		}
		for i, f := range p.Funcs.Funcs {
			fn := l.funcs[i]
			l.current, l.max = fn, fn.ret
			for _, prm := range fn.params {
				l.max = max(l.max, prm)
			}
			var err error
			if fn.blocks, err = l.blocks(f.Blocks); err != nil {
				return nil, fmt.Errorf("ireval: %s: %w", f.Name, err)
			}
			sizeCollections(fn.blocks)
			fn.size = l.max + 1
		}
	}
	pl := p.Plans.Plans[0]
	l.current, l.max = nil, int(ir.Data)
	blocks, err := l.blocks(pl.Blocks)
	if err != nil {
		return nil, fmt.Errorf("ireval: plan %s: %w", pl.Name, err)
	}
	sizeCollections(blocks)
	prog := &Program{plan: blocks, planSize: l.max + 1, funcs: l.funcs, resultKey: ast.StringTerm("result"),
		files: l.files, dynFuncs: map[string]*function{}, usesTime: l.builtins["time.now_ns"] != nil}
	prog.nondet = l.nondeterministic
	prog.entry = wrappedEntry(blocks)
	if prog.entry != nil {
		fuseRecords(prog.entry)
	}
	prog.entryArgs = [2]operand{{local: 0}, {local: 1}}
	for _, fn := range l.funcs {
		fn.clear = mustClear(fn.blocks, fn.size, fn.params, fn.ret)
	}
	prog.planClear = mustClear(prog.plan, prog.planSize, []int{int(ir.Input), int(ir.Data)}, -1)
	for _, fn := range l.funcs {
		if fn.path != "" {
			prog.dynFuncs[fn.path] = fn
		}
	}
	deepest := 0
	for _, fn := range l.funcs {
		d, err := stackDepth(fn, l.callees)
		if err != nil {
			return nil, err
		}
		deepest = max(deepest, d)
	}
	prog.maxStack = prog.planSize + deepest
	return prog, nil
}

type linker struct {
	strings  []*ast.Term
	files    []string
	byName   map[string]*function
	funcs    []*function
	builtins map[string]*builtin
	callees  map[*function][]*function
	current  *function
	// nondeterministic lists the builtins called whose answer can change
	// between two calls with the same arguments (time.now_ns, http.send...).
	nondeterministic []string
	max              int // highest local index seen in the unit being linked
}

// stackDepth is the locals needed by fn and its deepest chain of callees. Rego
// has no recursion, so a cycle means a malformed plan.
func stackDepth(fn *function, callees map[*function][]*function) (int, error) {
	switch fn.visited {
	case 1:
		return 0, fmt.Errorf("ireval: recursive call through %s", fn.name)
	case 2:
		return fn.stack, nil
	}
	fn.visited = 1
	deepest := 0
	for _, c := range callees[fn] {
		d, err := stackDepth(c, callees)
		if err != nil {
			return 0, err
		}
		deepest = max(deepest, d)
	}
	fn.visited = 2
	fn.stack = fn.size + deepest
	return fn.stack, nil
}

// compileError is a construct this interpreter refuses to run; callers fall back to topdown.
type compileError struct{ msg string }

func (e *compileError) Error() string { return "ireval: " + e.msg }

// Nondeterministic names the builtins the plan calls whose answer can change
// from one call to the next with the same arguments (time.now_ns, rand.intn,
// http.send...): two evaluations of such a policy need not agree.
func (p *Program) Nondeterministic() []string { return p.nondet }

// dynamic finds the data function a CallDynamicStmt names, or nil.
func (p *Program) dynamic(st *stmt, loc []*ast.Term) *function {
	var b strings.Builder
	for i := range st.args {
		v := read(&st.args[i], loc)
		if v == nil {
			return nil
		}
		str, ok := v.Value.(ast.String)
		if !ok {
			return nil
		}
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(string(str))
	}
	return p.dynFuncs[b.String()]
}

// sizeCollections sets each insert's capacity hint (used when it allocates
// the collection, see emptySet) to the number of insert statements that
// target its local in the same function: a partial rule makes its set in one
// block and adds to it in later ones, and the decision object gets all its
// keys in a row, so its map does not regrow.
func sizeCollections(blocks []*block) {
	inserts := map[int]int{}
	var count func(bs []*block)
	count = func(bs []*block) {
		for _, b := range bs {
			for i := range b.stmts {
				st := &b.stmts[i]
				if st.op == opObjectInsert || st.op == opObjectInsertOnce || st.op == opSetAdd {
					inserts[st.target]++
				}
				count(st.blocks)
			}
		}
	}
	count(blocks)
	var set func(bs []*block)
	set = func(bs []*block) {
		for _, b := range bs {
			for i := range b.stmts {
				st := &b.stmts[i]
				switch st.op {
				case opObjectInsert, opObjectInsertOnce, opSetAdd:
					st.index = min(inserts[st.target], maxPresize)
				}
				set(st.blocks)
			}
		}
	}
	set(blocks)
}

// maxPresize bounds the presized capacity: inserts in a loop add more anyway.
const maxPresize = 16

// wrappedEntry recognises the planner's plan for one rule, which calls the
// rule's function and wraps its value as {"result": value}: Eval then calls
// the function itself and skips building the wrapper.
func wrappedEntry(plan []*block) *function {
	if len(plan) != 1 || len(plan[0].stmts) != 5 {
		return nil
	}
	st := plan[0].stmts
	call, mov, mk, ins, add := &st[0], &st[1], &st[2], &st[3], &st[4]
	switch {
	case call.op != opCall || len(call.args) != 2 || call.args[0].konst != nil || call.args[0].local != 0 ||
		call.args[1].konst != nil || call.args[1].local != 1:
	case mov.op != opAssignVar || mov.a.konst != nil || mov.a.local != call.target:
	case mk.op != opMakeObject:
	case ins.op != opObjectInsert || ins.target != mk.target || ins.b.konst != nil || ins.b.local != mov.target ||
		ins.a.konst == nil || !ins.a.konst.Equal(ast.StringTerm("result")):
	case add.op != opResultSetAdd || add.target != mk.target:
	default:
		return call.fn
	}
	return nil
}

// Size is the number of statements in the program's plan and functions: a
// measure of how much a program can run, to compare two plans.
func (p *Program) Size() int {
	n := 0
	count := func(blocks []*block) {
		for _, b := range blocks {
			n += len(b.stmts)
		}
	}
	count(p.plan)
	for _, f := range p.funcs {
		count(f.blocks)
	}
	return n
}
