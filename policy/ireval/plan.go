package ireval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/compile"
	"github.com/open-policy-agent/opa/v1/ir"
)

// Compile plans entrypoint (a slash path such as "tollgate/decision") over
// modules with OPA's planner and links the plan. Modules must already compile
// under ast.Compiler: errors here are about the plan, not the policy. An error
// satisfying IsUnsupported means the policy uses something this interpreter
// does not run; the caller should keep evaluating it with topdown.
func Compile(ctx context.Context, modules map[string]*ast.Module, entrypoint string) (*Program, error) {
	raw, err := Plan(ctx, modules, entrypoint)
	if err != nil {
		return nil, err
	}
	var p ir.Policy
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("ireval: reading the plan: %w", err)
	}
	return link(&p)
}

// Plan is OPA's query plan of entrypoint over modules, as the JSON the
// planner writes (compile.TargetPlan), and what Compile links. The same
// sources give the same bytes: policy/testdata holds the examples' plan, so
// an OPA upgrade that changes its layout shows up as a diff there.
func Plan(ctx context.Context, modules map[string]*ast.Module, entrypoint string) ([]byte, error) {
	names := make([]string, 0, len(modules))
	for name := range modules {
		names = append(names, name)
	}
	sort.Strings(names) // a stable plan for the same sources
	b := &bundle.Bundle{Data: map[string]any{}}
	for _, name := range names {
		m := modules[name]
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: name, Path: name, Parsed: m, Raw: []byte(m.String())})
	}
	c := compile.New().WithTarget(compile.TargetPlan).WithEntrypoints(entrypoint).
		WithRegoVersion(ast.RegoV1).WithBundle(b)
	if err := c.Build(ctx); err != nil {
		return nil, &compileError{msg: "plan: " + err.Error()}
	}
	out := c.Bundle()
	if len(out.PlanModules) != 1 {
		return nil, fmt.Errorf("ireval: planner produced %d plans", len(out.PlanModules))
	}
	return out.PlanModules[0].Raw, nil
}

// IsUnsupported reports whether err means "run this policy with topdown instead".
func IsUnsupported(err error) bool {
	var ce *compileError
	return errors.As(err, &ce)
}
