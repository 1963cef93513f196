package ireval

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// builtin is a Rego builtin bound to topdown's own implementation, so every
// builtin behaves exactly as it does under `opa eval`.
type builtin struct {
	name     string
	fn       topdown.BuiltinFunc
	relation bool // every output is collected into an array (the planner's convention)
	void     bool // no result operand
	// native, when set, is called instead of fn: see natives.
	native func(args []*ast.Term) *ast.Term
}

// natives are the builtins whose topdown implementation is one comparison,
// a length or a membership test, written out here with the same
// expressions, so that a call skips topdown's error wrapper and output
// callback (the examples call them a dozen times a decision). nil is
// topdown's error (count of a number): undefined, as for any builtin error.
var natives = map[string]func(args []*ast.Term) *ast.Term{
	"gt":    func(a []*ast.Term) *ast.Term { return ast.InternedTerm(a[0].Value.Compare(a[1].Value) > 0) },
	"gte":   func(a []*ast.Term) *ast.Term { return ast.InternedTerm(a[0].Value.Compare(a[1].Value) >= 0) },
	"lt":    func(a []*ast.Term) *ast.Term { return ast.InternedTerm(a[0].Value.Compare(a[1].Value) < 0) },
	"lte":   func(a []*ast.Term) *ast.Term { return ast.InternedTerm(a[0].Value.Compare(a[1].Value) <= 0) },
	"equal": func(a []*ast.Term) *ast.Term { return ast.InternedTerm(a[0].Equal(a[1])) },
	"neq":   func(a []*ast.Term) *ast.Term { return ast.InternedTerm(!a[0].Equal(a[1])) },
	"count": func(a []*ast.Term) *ast.Term {
		if n, ok := length(a[0].Value); ok {
			return ast.InternedTerm(n)
		}
		return nil
	},
	"internal.member_2": func(a []*ast.Term) *ast.Term {
		x := a[0]
		switch c := a[1].Value.(type) {
		case ast.Set:
			return ast.InternedTerm(c.Contains(x))
		case *ast.Array:
			return ast.InternedTerm(c.Until(x.Equal))
		case ast.Object:
			return ast.InternedTerm(c.Until(func(_, v *ast.Term) bool { return x.Equal(v) }))
		}
		return ast.InternedTerm(false)
	},
}

func (l *linker) builtin(name string) (*builtin, error) {
	if b, ok := l.builtins[name]; ok {
		return b, nil
	}
	decl, ok := ast.BuiltinMap[name]
	if !ok {
		return nil, &compileError{msg: fmt.Sprintf("unknown builtin %q", name)}
	}
	fn := topdown.GetBuiltin(name)
	if fn == nil {
		return nil, &compileError{msg: fmt.Sprintf("builtin %q has no implementation", name)}
	}
	b := &builtin{name: name, fn: fn, relation: decl.Relation, void: decl.Decl.Result() == nil, native: natives[name]}
	if decl.Nondeterministic {
		l.nondeterministic = append(l.nondeterministic, name)
	}
	l.builtins[name] = b
	return b, nil
}
