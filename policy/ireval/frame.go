package ireval

import "github.com/open-policy-agent/opa/v1/ast"

// A function's frame is a window of the shared stack that the previous call
// there left full of stale locals. Every local starts undefined, but most are
// written before they are ever read (the planner's temporaries), and for
// those a stale value can never be seen: clearing the whole frame on every
// call was a tenth of a decision, more while the GC marks (a cleared pointer
// is a write barrier). So a call clears only the locals a statement may read
// before the function has surely written them in this call (mustClear).
//
// "Surely written" follows the block structure: statements of a block run in
// order, and a statement that completes has written its target, so it
// covers the statements after it in the same block and in the blocks nested
// there. Writes inside a nested block (a rule body, a loop body, a not) may
// not have happened when the block after it runs: they cover nothing
// outside. A loop body reading a local it writes later reads the previous
// iteration's value, and is cleared: exactly as with a fully cleared frame.

// mustClear lists the locals of a frame of size locals that a statement of
// blocks may read before this call surely wrote them. defined are the
// locals set on entry (the parameters); ret is read when the function ends
// without a return statement (-1: none).
func mustClear(blocks []*block, size int, defined []int, ret int) []int {
	a := clearAnalysis{need: make([]bool, size)}
	set := make([]bool, size)
	for _, l := range defined {
		set[l] = true
	}
	a.blocks(blocks, set)
	if ret >= 0 && !set[ret] {
		a.need[ret] = true
	}
	var out []int
	for l, n := range a.need {
		if n {
			out = append(out, l)
		}
	}
	return out
}

type clearAnalysis struct{ need []bool }

// blocks analyses sibling blocks: each may exit early, so each starts from
// what was surely written before them.
func (a *clearAnalysis) blocks(bs []*block, set []bool) {
	for _, b := range bs {
		inner := append([]bool(nil), set...)
		a.block(b, inner)
	}
}

// block analyses one block's statements in order, adding to set what each writes.
func (a *clearAnalysis) block(b *block, set []bool) {
	for i := range b.stmts {
		a.stmt(&b.stmts[i], set)
	}
}

func (a *clearAnalysis) read(set []bool, l int) {
	if l >= 0 && l < len(set) && !set[l] {
		a.need[l] = true
	}
}

func (a *clearAnalysis) readOp(set []bool, o *operand) {
	if o.konst == nil {
		a.read(set, o.local)
	}
}

func (a *clearAnalysis) readOps(set []bool, os []operand) {
	for i := range os {
		a.readOp(set, &os[i])
	}
}

func write(set []bool, l int) {
	if l >= 0 && l < len(set) {
		set[l] = true
	}
}

//nolint:gocyclo // one case per opcode, as in run
func (a *clearAnalysis) stmt(st *stmt, set []bool) {
	switch st.op {
	case opReturn, opIsDefined, opIsUndefined, opResultSetAdd:
		a.read(set, st.target)
	case opCall:
		a.readOps(set, st.args)
		write(set, st.target)
	case opCallBuiltin:
		a.readOps(set, st.args)
		if !st.bi.void {
			write(set, st.target)
		}
	case opCallDynamic:
		a.readOps(set, st.args)
		a.readOps(set, st.dynOps)
		write(set, st.target)
	case opBlock, opNot:
		a.blocks(st.blocks, set)
	case opBreak, opNop:
	case opDot:
		a.readOp(set, &st.a)
		a.readOp(set, &st.b)
		write(set, st.target)
	case opLen, opAssignVar:
		a.readOp(set, &st.a)
		write(set, st.target)
	case opScan:
		a.readOp(set, &st.a)
		body := append([]bool(nil), set...)
		write(body, st.target)
		write(body, st.index)
		a.blocks(st.blocks, body)
	case opAssignInt, opMakeNumber, opResetLocal, opMakeArray, opMakeObject, opMakeSet, opMakeNull:
		write(set, st.target)
	case opAssignVarOnce:
		a.readOp(set, &st.a)
		a.read(set, st.target)
		write(set, st.target)
	case opEqual, opNotEqual:
		a.readOp(set, &st.a)
		a.readOp(set, &st.b)
	case opIsArray, opIsObject, opIsSet:
		a.readOp(set, &st.a)
	case opArrayAppend, opSetAdd:
		a.read(set, st.target)
		a.readOp(set, &st.a)
	case opObjectInsert, opObjectInsertOnce:
		a.read(set, st.target)
		a.readOp(set, &st.a)
		a.readOp(set, &st.b)
	case opObjectMerge:
		a.readOp(set, &st.a)
		a.readOp(set, &st.b)
		write(set, st.target)
	case opWith:
		a.read(set, st.target)
		a.readOp(set, &st.a)
		a.blocks(st.blocks, set)
	case opMakeRecord:
		a.readOps(set, st.rec.vals)
		a.blocks([]*block{st.rec.orig}, set) // run instead when a value is undefined
		write(set, st.target)
	default:
		// An opcode this analysis does not know: clear the whole frame.
		for l := range a.need {
			a.need[l] = true
		}
	}
}

// poisonStale, when set (by this package's tests), is written to every
// local of a frame before the call clears its mustClear list, so a local
// read before it is written shows up as a wrong result in the differential
// tests instead of depending on what a previous call left there.
var poisonStale *ast.Term

func poison(loc []*ast.Term) {
	for i := range loc {
		loc[i] = poisonStale
	}
}
