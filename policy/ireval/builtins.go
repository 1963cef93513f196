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
	b := &builtin{name: name, fn: fn, relation: decl.Relation, void: decl.Decl.Result() == nil}
	if decl.Nondeterministic {
		l.nondeterministic = append(l.nondeterministic, name)
	}
	l.builtins[name] = b
	return b, nil
}
