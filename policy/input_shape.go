package policy

import "github.com/open-policy-agent/opa/v1/ast"

// inputShape is the part of the input document the serving policy can read,
// found by walking its compiled modules for input references when a revision
// is built. Building only that part saves most of the input's objects (the
// examples read 1 of the 11 request fields). It errs on the side of reading:
// input as a whole, input[x] or input.k[x] keeps everything under it.
type inputShape struct {
	all bool                  // input is read as a whole or with a dynamic key
	top map[string]*fieldNeed // top-level key -> what is read below it
}

// fieldNeed is what is read below one top-level key.
type fieldNeed struct {
	whole bool            // the object itself, or a dynamic key
	keys  map[string]bool // else these keys
}

// has reports whether the top-level key k is read at all.
func (s *inputShape) has(k string) bool {
	if s == nil || s.all {
		return true
	}
	return s.top[k] != nil
}

// sub returns the keys read below top-level key k, or nil for all of them.
func (s *inputShape) sub(k string) map[string]bool {
	if s == nil || s.all {
		return nil
	}
	if n := s.top[k]; n != nil && !n.whole {
		return n.keys
	}
	return nil
}

func shapeOf(mods []*ast.Module) *inputShape {
	s := &inputShape{top: map[string]*fieldNeed{}}
	var visit func(t *ast.Term) bool
	visit = func(t *ast.Term) bool {
		switch v := t.Value.(type) {
		case ast.Var:
			if v.Equal(ast.InputRootDocument.Value) { // bare input (outside a ref)
				s.all = true
			}
		case ast.Ref:
			if !v[0].Equal(ast.InputRootDocument) {
				return false
			}
			s.addRef(v)
			for _, e := range v[1:] { // refs nested in keys: input.health[input.request.model]
				ast.WalkTerms(e, visit)
			}
			return true
		}
		return false
	}
	for _, m := range mods {
		ast.WalkTerms(m, visit)
	}
	return s
}

func (s *inputShape) addRef(r ast.Ref) {
	if len(r) == 1 {
		s.all = true
		return
	}
	k, ok := r[1].Value.(ast.String)
	if !ok {
		s.all = true
		return
	}
	n := s.top[string(k)]
	if n == nil {
		n = &fieldNeed{keys: map[string]bool{}}
		s.top[string(k)] = n
	}
	if len(r) == 2 {
		n.whole = true
		return
	}
	sk, ok := r[2].Value.(ast.String)
	if !ok {
		n.whole = true
		return
	}
	n.keys[string(sk)] = true
}
