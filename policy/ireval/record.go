package ireval

import "github.com/open-policy-agent/opa/v1/ast"

// A record is the entrypoint's object literal with constant keys (the
// decision `{"allow": ..., "reasons": ..., ...}`) kept as its values in a
// row instead of a hash map: building the map (an allocation per key, a hash
// of every value) and reading it back key by key was a quarter of a
// decision's allocations. The record is a LazyDoc, so anything but a lookup
// (compare, builtin, result of Eval) sees the ordinary object, built once;
// EvalLazy hands it over as it is and the caller reads fields by key.

// recordShape is one fused literal: MakeObject and the inserts that fill it.
type recordShape struct {
	names []string    // the constant keys, distinct
	keys  []*ast.Term // the same, as terms
	vals  []operand
	orig  *block // the statements fused, run as they were when a value is undefined
}

// record is one evaluation's instance of a shape, pooled with the state.
type record struct {
	shape *recordShape
	vals  []*ast.Term
	obj   LazyObject
	term  ast.Term
}

func (r *record) Get(key string) *ast.Term {
	for i, n := range r.shape.names {
		if n == key {
			return r.vals[i]
		}
	}
	return nil
}

func (r *record) Full() ast.Value {
	kv := make([][2]*ast.Term, len(r.vals))
	for i, v := range r.vals {
		kv[i] = [2]*ast.Term{r.shape.keys[i], concrete(v)}
	}
	return ast.NewObject(kv...)
}

// minRecordKeys is the smallest literal worth fusing.
const minRecordKeys = 2

// fuseRecords rewrites, in fn's own blocks (not nested ones: the decision's
// literal is built at its top level), each MakeObject followed by inserts of
// distinct constant string keys into that object as one opMakeRecord. The
// planner puts a number constant's statement between two inserts: those
// move ahead of the record (they only set a fresh local to a constant).
func fuseRecords(fn *function) {
	for _, b := range fn.blocks {
		out := b.stmts[:0:0]
		for i := 0; i < len(b.stmts); i++ {
			st := b.stmts[i]
			if st.op != opMakeObject {
				out = append(out, st)
				continue
			}
			n, inserts, consts := recordRun(b.stmts[i+1:], st.target)
			if len(inserts) < minRecordKeys || insertedLater(b.stmts[i+1+n:], st.target) {
				out = append(out, st)
				continue
			}
			shape := &recordShape{orig: &block{stmts: append([]stmt(nil), b.stmts[i:i+1+n]...)}}
			for _, ins := range inserts {
				shape.names = append(shape.names, string(ins.a.konst.Value.(ast.String)))
				shape.keys = append(shape.keys, ins.a.konst)
				shape.vals = append(shape.vals, ins.b)
			}
			out = append(out, consts...)
			out = append(out, stmt{op: opMakeRecord, target: st.target, stmtExt: &stmtExt{rec: shape, loc: st.loc}})
			i += n
		}
		b.stmts = out
	}
}

// recordRun reads the statements after a MakeObject of target: the inserts
// that fill it with distinct constant string keys, and the constants set in
// between (to a local neither the object nor read by an earlier insert); n
// is how many statements that is, ending with the last insert.
func recordRun(stmts []stmt, target int) (n int, inserts, consts []stmt) {
	seen := map[string]bool{}
	read := map[int]bool{}
	var pending []stmt
	for i, st := range stmts {
		if st.op == opMakeNumber && st.target != target && !read[st.target] {
			pending = append(pending, st)
			continue
		}
		if st.op != opObjectInsert || st.target != target || st.a.konst == nil {
			break
		}
		k, ok := st.a.konst.Value.(ast.String)
		if !ok || seen[string(k)] {
			break
		}
		seen[string(k)] = true
		if st.b.konst == nil {
			read[st.b.local] = true
		}
		inserts = append(inserts, st)
		consts = append(consts, pending...)
		pending, n = nil, i+1
	}
	return n, inserts, consts
}

// insertedLater reports whether stmts (nested blocks included) insert into
// the object in local target, or into a local it was moved to. The planner
// interrupts a literal's inserts to build a composite value ({"a": true,
// "b": 1, "c": [input.x]} makes the array between the inserts of b and c):
// the run stops there, and a record, which takes no inserts, would make the
// rest of the literal undefined.
func insertedLater(stmts []stmt, target int) bool {
	aliases := map[int]bool{target: true}
	var walk func([]stmt) bool
	walk = func(stmts []stmt) bool {
		for i := range stmts {
			st := &stmts[i]
			switch st.op {
			case opObjectInsert, opObjectInsertOnce:
				if aliases[st.target] {
					return true
				}
			case opAssignVar, opAssignVarOnce:
				if st.a.konst == nil && aliases[st.a.local] {
					aliases[st.target] = true
				}
			}
			if st.stmtExt != nil {
				for _, b := range st.blocks {
					if walk(b.stmts) {
						return true
					}
				}
			}
		}
		return false
	}
	return walk(stmts)
}

// makeRecord runs a fused literal. Its values are read as the inserts read
// them (materialised), except a SmallSet or SmallObject, which the caller of
// EvalLazy reads as it is (Full materialises it); when one is undefined the original
// statements run instead, so the block leaves exactly as it did.
func (s *state) makeRecord(st *stmt, loc []*ast.Term) int {
	shape := st.rec
	for i := range shape.vals {
		if readRaw(&shape.vals[i], loc) == nil {
			return s.run(shape.orig, loc)
		}
	}
	r := s.newRecord(shape)
	for i := range shape.vals {
		v := readRaw(&shape.vals[i], loc)
		switch v.Value.(type) {
		case *SmallSet, *SmallObject:
		default:
			v = concrete(v)
		}
		r.vals[i] = v
	}
	loc[st.target] = &r.term
	return done
}

// newRecord takes a record from the state's pool of them.
func (s *state) newRecord(shape *recordShape) *record {
	if s.nrec == len(s.recs) {
		r := &record{}
		r.term.Value = &r.obj
		s.recs = append(s.recs, r)
	}
	r := s.recs[s.nrec]
	s.nrec++
	r.shape = shape
	if cap(r.vals) < len(shape.vals) {
		r.vals = make([]*ast.Term, len(shape.vals))
	}
	r.vals = r.vals[:len(shape.vals)]
	r.obj.Reset(r)
	return r
}

// releaseRecords drops what the used records point to.
func (s *state) releaseRecords() {
	for _, r := range s.recs[:s.nrec] {
		clear(r.vals)
		r.shape = nil
		r.obj.Reset(nil)
	}
	s.nrec = 0
}

// isRecord reports whether t is a record (EvalLazy's result may be one).
func isRecord(t *ast.Term) bool {
	if o, ok := t.Value.(*LazyObject); ok {
		_, rec := o.Doc.(*record)
		return rec
	}
	return false
}
