package ireval

import "github.com/open-policy-agent/opa/v1/ast"

// Value helpers with the IR's semantics (Wasm's opa_value_get, opa_value_length).

func upsert(orig *ast.Term, path []*ast.Term, val *ast.Term) *ast.Term {
	if len(path) == 0 {
		return val
	}
	var obj ast.Object
	if orig != nil {
		if o, ok := orig.Value.(ast.Object); ok {
			obj = o.Copy()
		}
	}
	if obj == nil {
		obj = ast.NewObject()
	}
	obj.Insert(path[0], upsert(obj.Get(path[0]), path[1:], val))
	return ast.NewTerm(obj)
}

// dot is src[key]. One type switch: a lazy document (the input, the
// frozen data, a record) is looked into as it is; a SmallSet or SmallObject
// is materialised first (see concrete), then looked into.
func dot(src, key *ast.Term) *ast.Term {
	switch v := src.Value.(type) {
	case *SmallSet, *SmallObject: // before the interfaces they may satisfy
		return dot(concrete(src), key)
	case *LazyObject:
		return v.get(key)
	case ast.Object:
		return v.Get(key)
	case *ast.Array:
		n, ok := key.Value.(ast.Number)
		if !ok {
			return nil
		}
		i, ok := n.Int()
		if !ok || i < 0 || i >= v.Len() {
			return nil
		}
		return v.Elem(i)
	case ast.Set:
		if v.Contains(key) {
			return key
		}
	}
	return nil
}

// equal is Equal's test, a.Value.Compare(b.Value) == 0, with the common
// case first: two strings (input.phase == "request" in every rule).
func equal(a, b *ast.Term) bool {
	if a == b {
		return true
	}
	if as, ok := a.Value.(ast.String); ok {
		if bs, ok := b.Value.(ast.String); ok {
			return as == bs
		}
	}
	return a.Value.Compare(b.Value) == 0
}

func length(v ast.Value) (int, bool) {
	switch x := v.(type) {
	case *ast.Array:
		return x.Len(), true
	case ast.Object:
		return x.Len(), true
	case ast.Set:
		return x.Len(), true
	case ast.String:
		return len([]rune(x)), true
	}
	return 0, false
}

func isArray(v ast.Value) bool  { _, ok := v.(*ast.Array); return ok }
func isObject(v ast.Value) bool { _, ok := v.(ast.Object); return ok }
func isSet(v ast.Value) bool    { _, ok := v.(ast.Set); return ok }

// replaced returns a copy of o with k's value set to v. ast's in-place
// update of an existing key makes that key the head of its hash bucket and
// drops the keys chained before it (a key whose hash collides: [-1, 0, 1, 2]
// and 2 both hash to 2), so a later insert of a dropped key duplicates it.
// Updates are rare (inserts of a new key and of an equal value are not
// updates); rebuilding keeps them correct.
func replaced(o ast.Object, k, v *ast.Term) ast.Object {
	out := ast.NewObjectWithCapacity(o.Len())
	o.Foreach(func(ok, ov *ast.Term) {
		if ok.Equal(k) {
			ov = v
		}
		out.Insert(ok, ov)
	})
	return out
}
