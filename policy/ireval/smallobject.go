package ireval

import "github.com/open-policy-agent/opa/v1/ast"

// SmallObject is an object being built by ObjectInsert, held as short key and
// value lists in the evaluation's pooled memory instead of an ast.Object (the
// object, its hash map and key slice, and an element per key). Partial object
// rules make such objects of one or two keys (the decision's tags and
// headers). Like SmallSet: any read other than an insert (concrete: compare,
// count, scan, lookup, builtin, value of another collection) turns the term
// into an ordinary ast.Object for good, so every alias sees the same value
// afterwards; a record (the decision literal) keeps it as it is for the
// caller to read with Len and Item.
type SmallObject struct {
	keys, vals []*ast.Term
	obj        ast.Object // the materialised object, once built
}

// maxSmallObject is the most keys a SmallObject holds; one more makes it an ast.Object.
const maxSmallObject = 8

// maxPooledSmall bounds the SmallSets and SmallObjects one evaluation takes
// from its state: a comprehension building thousands of them gets ordinary
// collections past it, so a pooled state never holds more than this many.
const maxPooledSmall = 256

// Len is the number of keys.
func (o *SmallObject) Len() int { return len(o.keys) }

// Item is the i-th key and its value, in insertion order.
func (o *SmallObject) Item(i int) (k, v *ast.Term) { return o.keys[i], o.vals[i] }

// find is the index of the key equal to k (ast.Object's test: same hash and
// KeyHashEqual), or -1.
func (o *SmallObject) find(k *ast.Term) int {
	h := k.Hash()
	for i, e := range o.keys {
		if e.Hash() == h && ast.KeyHashEqual(e.Value, k.Value) {
			return i
		}
	}
	return -1
}

// materialise builds the ordinary object.
func (o *SmallObject) materialise() ast.Object {
	if o.obj == nil {
		o.obj = ast.NewObjectWithCapacity(len(o.keys))
		for i, k := range o.keys {
			o.obj.Insert(k, o.vals[i])
		}
	}
	return o.obj
}

// The ast.Value methods answer for the materialised object; the interpreter
// never lets a SmallObject reach code that would call them (concrete replaces
// it first), but a value must behave if one does.

func (o *SmallObject) Compare(other ast.Value) int          { return o.materialise().Compare(other) }
func (o *SmallObject) Find(path ast.Ref) (ast.Value, error) { return o.materialise().Find(path) }
func (o *SmallObject) Hash() int                            { return o.materialise().Hash() }
func (o *SmallObject) IsGround() bool                       { return o.materialise().IsGround() }
func (o *SmallObject) String() string                       { return o.materialise().String() }
func (o *SmallObject) StringLength() int                    { return o.materialise().StringLength() }

// objectInsert is ObjectInsert and ObjectInsertOnce into the object term obj:
// the first key of an empty object starts a SmallObject, a full one becomes
// an ast.Object. A key already there with an equal value changes nothing; a
// different value is a conflict for InsertOnce and replaces it otherwise.
// It returns a control code: done, 0 (not an object: undefined) or aborted.
func (s *state) objectInsert(st *stmt, obj, k, v *ast.Term) int {
	switch o := obj.Value.(type) {
	case *SmallObject:
		if o.obj != nil { // built by a Value method: that object is the value now
			obj.Value = o.obj
			return s.objectInsert(st, obj, k, v)
		}
		i := o.find(k)
		switch {
		case i < 0 && len(o.keys) < maxSmallObject:
			o.keys, o.vals = append(o.keys, k), append(o.vals, v)
		case i < 0:
			full := o.materialise()
			full.Insert(k, v)
			obj.Value = full
		case o.vals[i].Value.Compare(v.Value) == 0: // already there
		case st.op == opObjectInsertOnce:
			s.err = s.conflict(st, "object keys must be unique")
			return aborted
		default:
			o.vals[i] = v
		}
		return done
	case ast.Object:
		if o == emptyObject {
			if s.nsmallObj < maxPooledSmall {
				small := s.newSmallObject()
				small.keys, small.vals = append(small.keys, k), append(small.vals, v)
				obj.Value = small
				return done
			}
			o = ast.NewObjectWithCapacity(st.index) // past the pool's bound: an ordinary object
			obj.Value = o
		}
		cur := o.Get(k)
		switch {
		case cur == nil:
			o.Insert(k, v)
		case cur.Value.Compare(v.Value) == 0: // already there
		case st.op == opObjectInsertOnce:
			s.err = s.conflict(st, "object keys must be unique")
			return aborted
		default:
			obj.Value = replaced(o, k, v)
		}
		return done
	}
	return 0
}

// newSmallObject takes a SmallObject from the state's pool of them.
func (s *state) newSmallObject() *SmallObject {
	if s.nsmallObj == len(s.smallObjs) {
		s.smallObjs = append(s.smallObjs, &SmallObject{keys: make([]*ast.Term, 0, 2), vals: make([]*ast.Term, 0, 2)})
	}
	o := s.smallObjs[s.nsmallObj]
	s.nsmallObj++
	return o
}

// releaseSmallObjects drops what the used objects point to.
func (s *state) releaseSmallObjects() {
	for _, o := range s.smallObjs[:s.nsmallObj] {
		clear(o.keys)
		clear(o.vals)
		o.keys, o.vals, o.obj = o.keys[:0], o.vals[:0], nil
	}
	s.nsmallObj = 0
}
