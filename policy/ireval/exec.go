package ireval

import (
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// read returns an operand's value, materialising a LazyObject.
func read(o *operand, loc []*ast.Term) *ast.Term {
	if o.konst != nil {
		return o.konst
	}
	return concrete(loc[o.local])
}

// readRaw returns an operand's value as is: for lookups, moves and call
// arguments, which may carry a LazyObject along.
func readRaw(o *operand, loc []*ast.Term) *ast.Term {
	if o.konst != nil {
		return o.konst
	}
	return loc[o.local]
}

// run executes one block, which is its own break target.
//
//nolint:gocyclo // the interpreter's dispatch: one case per opcode
func (s *state) run(b *block, loc []*ast.Term) int {
	for i := range b.stmts {
		st := &b.stmts[i]
		switch st.op {
		case opReturn:
			s.ret = loc[st.target]
			return returned
		case opCall:
			v, c := s.call(st.fn, st.args, loc)
			if c == aborted {
				return aborted
			}
			if v == nil {
				return 0
			}
			loc[st.target] = v
		case opCallBuiltin:
			v, c := s.callBuiltin(st, loc)
			if c != done {
				return c
			}
			if !st.bi.void {
				loc[st.target] = v
			}
		case opCallDynamic:
			fn := s.prog.dynamic(st, loc)
			if fn == nil {
				return 0
			}
			v, c := s.call(fn, st.dynOps, loc)
			if c == aborted {
				return aborted
			}
			if v == nil {
				return 3 // the planner's layout: an undefined rule skips the data lookup too
			}
			loc[st.target] = v
		case opBlock:
			for _, sub := range st.blocks {
				switch c := s.run(sub, loc); {
				case c == returned || c == aborted:
					return c
				case c > 0:
					return c - 1
				}
			}
		case opBreak:
			return st.index
		case opDot:
			src, key := readRaw(&st.a, loc), read(&st.b, loc)
			if src == nil || key == nil {
				return 0
			}
			v := dot(src, key)
			if v == nil {
				return 0
			}
			loc[st.target] = v
		case opLen:
			src := read(&st.a, loc)
			if src == nil {
				return 0
			}
			n, ok := length(src.Value)
			if !ok {
				return 0
			}
			loc[st.target] = ast.InternedTerm(n)
		case opScan:
			if c := s.scan(st, loc); c != done {
				return c
			}
		case opNot:
			switch c := s.run(st.blocks[0], loc); {
			case c == done:
				return 0
			case c == returned || c == aborted:
				return c
			case c > 0:
				return c - 1
			}
		case opAssignInt, opMakeNumber:
			loc[st.target] = st.num
		case opAssignVar:
			loc[st.target] = readRaw(&st.a, loc)
		case opAssignVarOnce:
			// Moved as is (a record stays one); compared materialised.
			v := readRaw(&st.a, loc)
			if cur := loc[st.target]; cur != nil && v != nil && concrete(cur).Value.Compare(concrete(v).Value) != 0 {
				s.err = s.conflict(st, "complete rules must not produce multiple outputs")
				return aborted
			}
			loc[st.target] = v
		case opResetLocal:
			loc[st.target] = nil
		case opMakeArray:
			loc[st.target] = s.newTerm(ast.NewArrayWithCapacity(st.index))
		case opMakeObject: // the collection is allocated at its first insert
			loc[st.target] = s.newTerm(emptyObject)
		case opMakeSet:
			loc[st.target] = s.newTerm(emptySet)
		case opEqual, opNotEqual:
			a, b := read(&st.a, loc), read(&st.b, loc)
			if a == nil || b == nil {
				return 0
			}
			if equal(a, b) != (st.op == opEqual) {
				return 0
			}
		case opIsArray:
			if v := read(&st.a, loc); v == nil || !isArray(v.Value) {
				return 0
			}
		case opIsObject:
			if v := read(&st.a, loc); v == nil || !isObject(v.Value) {
				return 0
			}
		case opIsSet:
			if v := read(&st.a, loc); v == nil || !isSet(v.Value) {
				return 0
			}
		case opIsDefined:
			if loc[st.target] == nil {
				return 0
			}
		case opIsUndefined:
			if loc[st.target] != nil {
				return 0
			}
		case opArrayAppend:
			arr, v := loc[st.target], read(&st.a, loc)
			a, ok := arr.Value.(*ast.Array)
			if !ok || v == nil {
				return 0
			}
			arr.Value = a.Append(v)
		case opObjectInsert, opObjectInsertOnce:
			k, v := read(&st.a, loc), read(&st.b, loc)
			if k == nil || v == nil {
				return 0
			}
			if c := s.objectInsert(st, loc[st.target], k, v); c != done {
				return c
			}
		case opObjectMerge:
			a, b := concrete(loc[st.a.local]), concrete(loc[st.b.local])
			if a == nil || b == nil {
				return 0
			}
			oa, okA := a.Value.(ast.Object)
			ob, okB := b.Value.(ast.Object)
			if !okA || !okB {
				s.err = s.conflict(st, "cannot merge a non-object value")
				return aborted
			}
			merged, ok := oa.Merge(ob)
			if !ok {
				s.err = s.conflict(st, "object merge conflict")
				return aborted
			}
			loc[st.target] = ast.NewTerm(merged)
		case opSetAdd:
			set, v := loc[st.target], read(&st.a, loc)
			if v == nil || !s.setAdd(set, v, st.index) {
				return 0
			}
		case opWith:
			if c := s.with(st, loc); c != done {
				return c
			}
		case opResultSetAdd:
			s.result = loc[st.target]
		case opMakeRecord:
			if c := s.makeRecord(st, loc); c != done {
				return c
			}
		}
	}
	return done
}

// call runs a planned function; a nil result means undefined.
func (s *state) call(fn *function, args []operand, caller []*ast.Term) (*ast.Term, int) {
	if fn.memo {
		switch s.memoState[fn.index] {
		case 1:
			return s.memo[fn.index], done
		case 2:
			return nil, done
		}
	}
	if s.stopped() {
		return nil, aborted
	}
	base := s.sp
	if base+fn.size > len(s.stack) {
		s.err = fmt.Errorf("ireval: %s: call stack exhausted", fn.name)
		return nil, aborted
	}
	loc := s.stack[base : base+fn.size]
	if poisonStale != nil {
		poison(loc)
	}
	for _, l := range fn.clear { // the rest is written before it is read
		loc[l] = nil
	}
	for i, p := range fn.params {
		loc[p] = readRaw(&args[i], caller)
	}
	s.sp += fn.size
	var res *ast.Term
	ran := false
	for _, b := range fn.blocks {
		c := s.run(b, loc)
		if c == aborted {
			s.sp = base
			return nil, aborted
		}
		if c == returned {
			res, ran = s.ret, true
			break
		}
	}
	if !ran {
		res = loc[fn.ret]
	}
	s.sp = base
	if fn.memo {
		s.memo[fn.index] = res
		s.memoState[fn.index] = 1
		if res == nil {
			s.memoState[fn.index] = 2
		}
	}
	return res, done
}

// callBuiltin calls topdown's implementation. As in topdown, a builtin's error
// makes the expression undefined, except a Halt, which stops the evaluation.
func (s *state) callBuiltin(st *stmt, loc []*ast.Term) (*ast.Term, int) {
	s.args = s.args[:0]
	for i := range st.args {
		v := read(&st.args[i], loc)
		if v == nil {
			return nil, 0
		}
		s.args = append(s.args, v)
	}
	if st.bi.native != nil {
		if v := st.bi.native(s.args); v != nil {
			return v, done
		}
		return nil, 0
	}
	s.out, s.collect = nil, st.bi.relation
	s.outs = s.outs[:0]
	err := st.bi.fn(s.bctx, s.args, s.onOutput)
	if err != nil {
		var halt topdown.Halt
		if errors.As(err, &halt) {
			s.err = halt.Err
			return nil, aborted
		}
		return nil, 0
	}
	if st.bi.void {
		return nil, done
	}
	if st.bi.relation {
		return ast.NewTerm(ast.NewArray(append([]*ast.Term(nil), s.outs...)...)), done
	}
	if s.out == nil {
		return nil, 0
	}
	return s.out, done
}

// scan loops over a collection: the body's level 0 is "next element", level 1
// leaves the loop.
func (s *state) scan(st *stmt, loc []*ast.Term) int {
	src := concrete(loc[st.a.local])
	if src == nil {
		return done
	}
	body := st.blocks[0]
	c := done
	step := func(k, v *ast.Term) bool {
		if s.stopped() {
			c = aborted
			return false
		}
		loc[st.target], loc[st.index] = k, v
		c = s.run(body, loc)
		return c == done || c == 0
	}
	switch x := src.Value.(type) {
	case *ast.Array:
		for i := range x.Len() {
			if !step(ast.InternedTerm(i), x.Elem(i)) {
				break
			}
		}
	case ast.Set:
		for _, e := range x.Slice() {
			if !step(e, e) {
				break
			}
		}
	case ast.Object:
		for _, k := range x.Keys() {
			if !step(k, x.Get(k)) {
				break
			}
		}
	}
	switch {
	case c == done || c == 0 || c == 1:
		return done
	case c >= 2:
		return c - 2
	}
	return c
}

// with runs its block with a local (input or data) replaced, memoised
// results set aside.
func (s *state) with(st *stmt, loc []*ast.Term) int {
	orig := loc[st.target]
	val := read(&st.a, loc)
	if val == nil {
		return 0
	}
	memo, memoState := s.memo, s.memoState
	s.memo, s.memoState = make([]*ast.Term, len(memo)), make([]uint8, len(memoState))
	loc[st.target] = upsert(concrete(orig), st.path, val)
	c := s.run(st.blocks[0], loc)
	loc[st.target] = orig
	s.memo, s.memoState = memo, memoState
	switch {
	case c == done:
		return done
	case c > 0:
		return c - 1
	}
	return c
}

func (s *state) conflict(st *stmt, msg string) error {
	e := &ConflictError{Message: msg, Row: st.loc.Row}
	if st.loc.File >= 0 && st.loc.File < len(s.prog.files) {
		e.File = s.prog.files[st.loc.File]
	}
	return e
}
