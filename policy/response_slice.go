package policy

import (
	"context"
	"maps"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/tollgate-ai/tollgate/policy/ireval"
)

// responseFields are the decision fields the response phase acts on: it can
// refuse the answer (allow, reasons) or redact it (redact). The gateway
// reads nothing else of a response-phase decision.
var responseFields = [...]*ast.Term{dAllow, dReasons, dRedact}

// responseProgram plans the response phase on its own: the decision rule
// keeps only responseFields, so the planner leaves out what only the other
// fields need (model rewrites, caps, cache TTLs, tags, headers) and the
// decision built is smaller. It applies when `decision` is one rule whose
// value is an object literal with constant keys, as decision.rego writes
// it; otherwise, or when the sliced program disagrees with the full one on
// any self-check input in either phase, it returns nil and the response
// phase runs the full program.
func responseProgram(ctx context.Context, serving map[string]*ast.Module, full *ireval.Program, data *ast.Term,
	inputs []*ast.Term) *ireval.Program {
	name, idx, obj := decisionObjectRule(serving)
	if obj == nil {
		return nil
	}
	sliced := ast.NewObject()
	for _, k := range responseFields {
		if v := obj.Get(k); v != nil {
			sliced.Insert(k, v)
		}
	}
	if sliced.Len() == obj.Len() {
		return nil // nothing to leave out
	}
	m := serving[name].Copy()
	m.Rules[idx].Head.Value = ast.NewTerm(sliced).SetLocation(m.Rules[idx].Head.Value.Location)
	mods := maps.Clone(serving)
	mods[name] = m
	prog, err := ireval.Compile(ctx, mods, "tollgate/decision")
	if err != nil || len(prog.Nondeterministic()) > 0 {
		return nil
	}
	for _, in := range inputs {
		for _, phase := range [...]string{"", "response"} {
			if !agreeOnResponseFields(ctx, full, prog, withPhase(in, phase), data) {
				return nil
			}
		}
	}
	return prog
}

// decisionObjectRule finds the one rule defining data.tollgate.decision as
// an object literal with string keys: its module, index and object.
func decisionObjectRule(serving map[string]*ast.Module) (string, int, ast.Object) {
	var (
		found string
		idx   int
		obj   ast.Object
		n     int
	)
	for name, m := range serving {
		if !m.Package.Path.Equal(decisionRef[:len(decisionRef)-1]) {
			continue
		}
		for i, r := range m.Rules {
			if !r.Head.Ref().Equal(ast.Ref{ast.VarTerm("decision")}) {
				continue
			}
			n++
			o, ok := r.Head.Value.Value.(ast.Object)
			if !ok || r.Else != nil || len(r.Head.Args) > 0 || r.Default {
				return "", 0, nil
			}
			constant := true
			o.Foreach(func(k, _ *ast.Term) {
				if _, isStr := k.Value.(ast.String); !isStr {
					constant = false
				}
			})
			if !constant {
				return "", 0, nil
			}
			found, idx, obj = name, i, o
		}
	}
	if n != 1 {
		return "", 0, nil
	}
	return found, idx, obj
}

// withPhase is in with input.phase set ("" leaves in as it is).
func withPhase(in *ast.Term, phase string) *ast.Term {
	o, ok := in.Value.(ast.Object)
	if phase == "" || !ok {
		return in
	}
	c := o.Copy()
	c.Insert(ast.StringTerm("phase"), ast.StringTerm(phase))
	return ast.NewTerm(c)
}

// agreeOnResponseFields evaluates both programs on in and compares the
// response fields (both failing counts as agreeing: the full program's
// error is what serves then).
func agreeOnResponseFields(ctx context.Context, full, sliced *ireval.Program, in, data *ast.Term) bool {
	c := acquireCanceler(selfCheckBudget)
	want, wantErr := full.Eval(ctx, in, data, c)
	releaseCanceler(c, false)
	defer want.Release()
	c = acquireCanceler(selfCheckBudget)
	got, gotErr := sliced.Eval(ctx, in, data, c)
	releaseCanceler(c, false)
	defer got.Release()
	if wantErr != nil || gotErr != nil {
		return (wantErr != nil) == (gotErr != nil)
	}
	if (want.Value == nil) != (got.Value == nil) {
		return false
	}
	if want.Value == nil {
		return true
	}
	wo, ok1 := want.Value.Value.(ast.Object)
	gotObj, ok2 := got.Value.Value.(ast.Object)
	if !ok1 || !ok2 {
		return false
	}
	for _, k := range responseFields {
		w, g := wo.Get(k), gotObj.Get(k)
		if (w == nil) != (g == nil) || w != nil && w.Value.Compare(g.Value) != 0 {
			return false
		}
	}
	return true
}
