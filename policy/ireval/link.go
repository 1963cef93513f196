package ireval

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

func (l *linker) blocks(in []*ir.Block) ([]*block, error) {
	out := make([]*block, len(in))
	for i, b := range in {
		lb, err := l.block(b)
		if err != nil {
			return nil, err
		}
		out[i] = lb
	}
	return out, nil
}

func (l *linker) block(b *ir.Block) (*block, error) {
	out := &block{stmts: make([]stmt, 0, len(b.Stmts))}
	for _, s := range b.Stmts {
		ls, err := l.stmt(s)
		if err != nil {
			return nil, err
		}
		if ls.op == opNop {
			continue
		}
		out.stmts = append(out.stmts, ls)
	}
	return out, nil
}

func (l *linker) local(x ir.Local) int {
	l.max = max(l.max, int(x))
	return int(x)
}

func (l *linker) operand(o ir.Operand) (operand, error) {
	val := o.Value
	switch v := val.(type) { // a decoded plan holds pointers
	case *ir.Local:
		val = *v
	case *ir.StringIndex:
		val = *v
	case *ir.Bool:
		val = *v
	}
	switch v := val.(type) {
	case ir.Local:
		return operand{local: l.local(v)}, nil
	case ir.StringIndex:
		if int(v) < 0 || int(v) >= len(l.strings) {
			return operand{}, fmt.Errorf("string index %d out of range", v)
		}
		return operand{local: -1, konst: l.strings[v]}, nil
	case ir.Bool:
		return operand{local: -1, konst: ast.InternedTerm(bool(v))}, nil
	}
	return operand{}, fmt.Errorf("unknown operand %T", o.Value)
}

func (l *linker) operands(os ...ir.Operand) ([]operand, error) {
	out := make([]operand, len(os))
	for i, o := range os {
		var err error
		if out[i], err = l.operand(o); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l *linker) sub(b *ir.Block) ([]*block, error) {
	lb, err := l.block(b)
	if err != nil {
		return nil, err
	}
	return []*block{lb}, nil
}

//nolint:gocyclo // one case per IR statement
func (l *linker) stmt(s ir.Stmt) (stmt, error) {
	var (
		out = stmt{stmtExt: &stmtExt{}}
		err error
	)
	if loc := s.GetLocation(); loc != nil {
		out.loc = *loc
	}
	ops := func(dst ...*operand) func(...ir.Operand) error {
		return func(src ...ir.Operand) error {
			for i, o := range src {
				if *dst[i], err = l.operand(o); err != nil {
					return err
				}
			}
			return nil
		}
	}
	switch s := s.(type) {
	case *ir.ReturnLocalStmt:
		out.op, out.target = opReturn, l.local(s.Source)
	case *ir.CallStmt:
		out.target = l.local(s.Result)
		if out.args, err = l.operands(s.Args...); err != nil {
			return out, err
		}
		if fn, ok := l.byName[s.Func]; ok {
			if len(fn.params) != len(out.args) {
				return out, fmt.Errorf("call %s: %d args for %d params", s.Func, len(out.args), len(fn.params))
			}
			out.op, out.fn = opCall, fn
			if l.current != nil {
				l.callees[l.current] = append(l.callees[l.current], fn)
			}
			break
		}
		bi, err := l.builtin(s.Func)
		if err != nil {
			return out, err
		}
		out.op, out.bi = opCallBuiltin, bi
	case *ir.CallDynamicStmt:
		out.op, out.target = opCallDynamic, l.local(s.Result)
		for _, a := range s.Args {
			out.dynOps = append(out.dynOps, operand{local: l.local(a)})
		}
		if out.args, err = l.operands(s.Path...); err != nil {
			return out, err
		}
		// Any data function may be the target: count them all as callees.
		if l.current != nil {
			l.callees[l.current] = append(l.callees[l.current], l.funcs...)
		}
	case *ir.BlockStmt:
		out.op = opBlock
		out.blocks, err = l.blocks(s.Blocks)
	case *ir.BreakStmt:
		out.op, out.index = opBreak, int(s.Index)
	case *ir.DotStmt:
		out.op, out.target = opDot, l.local(s.Target)
		err = ops(&out.a, &out.b)(s.Source, s.Key)
	case *ir.LenStmt:
		out.op, out.target = opLen, l.local(s.Target)
		err = ops(&out.a)(s.Source)
	case *ir.ScanStmt:
		out.op = opScan
		out.a = operand{local: l.local(s.Source)}
		out.target, out.index = l.local(s.Key), l.local(s.Value)
		out.blocks, err = l.sub(s.Block)
	case *ir.NotStmt:
		out.op = opNot
		out.blocks, err = l.sub(s.Block)
	case *ir.AssignIntStmt:
		out.op, out.target, out.num = opAssignInt, l.local(s.Target), ast.IntNumberTerm(int(s.Value))
	case *ir.AssignVarStmt:
		out.op, out.target = opAssignVar, l.local(s.Target)
		err = ops(&out.a)(s.Source)
	case *ir.AssignVarOnceStmt:
		out.op, out.target = opAssignVarOnce, l.local(s.Target)
		err = ops(&out.a)(s.Source)
	case *ir.ResetLocalStmt:
		out.op, out.target = opResetLocal, l.local(s.Target)
	case *ir.MakeNullStmt:
		out.op, out.target, out.num = opMakeNumber, l.local(s.Target), ast.InternedNullTerm
	case *ir.MakeNumberIntStmt:
		out.op, out.target, out.num = opMakeNumber, l.local(s.Target), ast.IntNumberTerm(int(s.Value))
	case *ir.MakeNumberRefStmt:
		if s.Index < 0 || s.Index >= len(l.strings) {
			return out, fmt.Errorf("number ref %d out of range", s.Index)
		}
		out.op, out.target = opMakeNumber, l.local(s.Target)
		out.num = ast.NewTerm(ast.Number(l.strings[s.Index].Value.(ast.String)))
	case *ir.MakeArrayStmt:
		out.op, out.target, out.index = opMakeArray, l.local(s.Target), int(s.Capacity)
	case *ir.MakeObjectStmt:
		out.op, out.target = opMakeObject, l.local(s.Target)
	case *ir.MakeSetStmt:
		out.op, out.target = opMakeSet, l.local(s.Target)
	case *ir.EqualStmt:
		out.op = opEqual
		err = ops(&out.a, &out.b)(s.A, s.B)
	case *ir.NotEqualStmt:
		out.op = opNotEqual
		err = ops(&out.a, &out.b)(s.A, s.B)
	case *ir.IsArrayStmt:
		out.op = opIsArray
		err = ops(&out.a)(s.Source)
	case *ir.IsObjectStmt:
		out.op = opIsObject
		err = ops(&out.a)(s.Source)
	case *ir.IsSetStmt:
		out.op = opIsSet
		err = ops(&out.a)(s.Source)
	case *ir.IsDefinedStmt:
		out.op, out.target = opIsDefined, l.local(s.Source)
	case *ir.IsUndefinedStmt:
		out.op, out.target = opIsUndefined, l.local(s.Source)
	case *ir.ArrayAppendStmt:
		out.op, out.target = opArrayAppend, l.local(s.Array)
		err = ops(&out.a)(s.Value)
	case *ir.ObjectInsertStmt:
		out.op, out.target = opObjectInsert, l.local(s.Object)
		err = ops(&out.a, &out.b)(s.Key, s.Value)
	case *ir.ObjectInsertOnceStmt:
		out.op, out.target = opObjectInsertOnce, l.local(s.Object)
		err = ops(&out.a, &out.b)(s.Key, s.Value)
	case *ir.ObjectMergeStmt:
		out.op, out.target = opObjectMerge, l.local(s.Target)
		out.a, out.b = operand{local: l.local(s.A)}, operand{local: l.local(s.B)}
	case *ir.SetAddStmt:
		out.op, out.target = opSetAdd, l.local(s.Set)
		err = ops(&out.a)(s.Value)
	case *ir.WithStmt:
		out.op, out.target = opWith, l.local(s.Local)
		for _, idx := range s.Path {
			if idx < 0 || idx >= len(l.strings) {
				return out, fmt.Errorf("with path string %d out of range", idx)
			}
			out.path = append(out.path, l.strings[idx])
		}
		if err = ops(&out.a)(s.Value); err != nil {
			return out, err
		}
		out.blocks, err = l.sub(s.Block)
	case *ir.NopStmt:
		out.op = opNop
	case *ir.ResultSetAddStmt:
		out.op, out.target = opResultSetAdd, l.local(s.Value)
	default:
		return out, &compileError{msg: fmt.Sprintf("unsupported IR statement %T", s)}
	}
	return out, err
}
