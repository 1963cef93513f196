package ireval

import "github.com/open-policy-agent/opa/v1/ast"

// A policy's data document is fixed for a revision, and a decision looks
// into it again and again (data.tollgate.config.tenants[t].models: a dozen
// lookups per rule set, some thirty a decision for the examples). An
// ast.Object lookup hashes the key with xxhash and walks a bucket, about
// 200 instructions; Freeze indexes each object of the document once by its
// string keys in a Go map. The frozen object is a LazyObject whose Full is
// the original object, already built: any use but a lookup (compare, scan,
// builtin, value of a collection) sees the ordinary value, not a copy, and
// nothing is built during an evaluation, so a frozen document is safe for
// concurrent evaluations.

// frozenDoc is one frozen object: its keys' values, frozen in turn.
type frozenDoc struct {
	byKey map[string]*ast.Term
	obj   ast.Value
}

func (d *frozenDoc) Get(key string) *ast.Term { return d.byKey[key] }
func (d *frozenDoc) Full() ast.Value          { return d.obj }

// maxFrozenKeys bounds the keys indexed for one document: past it, objects
// stay as they are (looked up the ordinary way), so a huge data document
// does not double its memory.
const maxFrozenKeys = 1 << 16

// Freeze returns data with its objects of string keys indexed for lookups
// (see above). Eval and EvalLazy take it as their data argument; data must
// not change afterwards. Anything else than an object is returned as it is.
func Freeze(data *ast.Term) *ast.Term {
	budget := maxFrozenKeys
	return freeze(data, &budget)
}

func freeze(t *ast.Term, budget *int) *ast.Term {
	obj, ok := t.Value.(ast.Object)
	if !ok || obj.Len() > *budget {
		return t
	}
	byKey := make(map[string]*ast.Term, obj.Len())
	strKeys := true
	obj.Foreach(func(k, v *ast.Term) {
		s, isStr := k.Value.(ast.String)
		if !isStr {
			strKeys = false
			return
		}
		byKey[string(s)] = v
	})
	if !strKeys {
		return t // a lookup with a non-string key must reach the object itself
	}
	*budget -= obj.Len()
	for k, v := range byKey {
		byKey[k] = freeze(v, budget)
	}
	lo := &LazyObject{Doc: &frozenDoc{byKey: byKey, obj: obj}, full: t}
	return ast.NewTerm(lo)
}
