package ireval

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// SmallSet is a set being built by SetAdd, held as a short list of its
// elements in the evaluation's pooled memory instead of an ast.Set (a map, a
// key slice and the set itself: three allocations and a hash per element).
// Partial rules make many such sets of one or two elements (the decision's
// max_tokens_caps, cache_ttls...). The first read of any other kind than
// SetAdd (concrete: compare, count, scan, lookup, builtin, object value)
// turns the term into an ordinary ast.Set for good, so every alias sees the
// same value afterwards; a record (the decision literal) keeps it as it is
// for the caller to read with Sorted.
type SmallSet struct {
	elems []*ast.Term
	set   ast.Set // the materialised set, once built
}

// maxSmallSet is the most elements a SmallSet holds; one more makes it an ast.Set.
const maxSmallSet = 8

// Sorted returns the elements in the order ast.Set.Sorted gives them.
func (s *SmallSet) Sorted() []*ast.Term {
	slices.SortFunc(s.elems, ast.TermValueCompare)
	return s.elems
}

// Len is the number of elements.
func (s *SmallSet) Len() int { return len(s.elems) }

// add adds v unless an equal element is there (ast.Set's test: same hash
// and KeyHashEqual); false when the set is full and v is new.
func (s *SmallSet) add(v *ast.Term) bool {
	h := v.Hash()
	for _, e := range s.elems {
		if e.Hash() == h && ast.KeyHashEqual(e.Value, v.Value) {
			return true
		}
	}
	if len(s.elems) == maxSmallSet {
		return false
	}
	s.elems = append(s.elems, v)
	return true
}

// materialise builds the ordinary set.
func (s *SmallSet) materialise() ast.Set {
	if s.set == nil {
		s.set = ast.NewSet(s.elems...)
	}
	return s.set
}

// The ast.Value methods answer for the materialised set; the interpreter
// never lets a SmallSet reach code that would call them (concrete replaces
// it first), but a value must behave if one does.

func (s *SmallSet) Compare(other ast.Value) int          { return s.materialise().Compare(other) }
func (s *SmallSet) Find(path ast.Ref) (ast.Value, error) { return s.materialise().Find(path) }
func (s *SmallSet) Hash() int                            { return s.materialise().Hash() }
func (s *SmallSet) IsGround() bool                       { return s.materialise().IsGround() }
func (s *SmallSet) String() string                       { return s.materialise().String() }
func (s *SmallSet) StringLength() int                    { return s.materialise().StringLength() }

// setAdd is SetAdd: the first element of an empty set starts a SmallSet,
// and a full one becomes an ast.Set.
func (s *state) setAdd(set, v *ast.Term, capacity int) bool {
	switch se := set.Value.(type) {
	case *SmallSet:
		if !se.add(v) {
			real := ast.NewSetWithCapacity(max(capacity, 2*maxSmallSet))
			for _, e := range se.elems {
				real.Add(e)
			}
			real.Add(v)
			set.Value = real
		}
	case ast.Set:
		if se == emptySet && s.nsmall >= maxPooledSmall { // see maxPooledSmall
			se = ast.NewSetWithCapacity(capacity)
			set.Value = se
		}
		if se != emptySet {
			se.Add(v)
			return true
		}
		small := s.newSmallSet()
		small.add(v)
		set.Value = small
	default:
		return false
	}
	return true
}

// newSmallSet takes a SmallSet from the state's pool of them.
func (s *state) newSmallSet() *SmallSet {
	if s.nsmall == len(s.smalls) {
		s.smalls = append(s.smalls, &SmallSet{elems: make([]*ast.Term, 0, 2)})
	}
	ss := s.smalls[s.nsmall]
	s.nsmall++
	return ss
}

// releaseSmallSets drops what the used sets point to.
func (s *state) releaseSmallSets() {
	for _, ss := range s.smalls[:s.nsmall] {
		clear(ss.elems)
		ss.elems, ss.set = ss.elems[:0], nil
	}
	s.nsmall = 0
}
