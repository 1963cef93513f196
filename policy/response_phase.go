package policy

import "github.com/open-policy-agent/opa/v1/ast"

var responseKey = ast.StringTerm("response")

// readsResponse walks the serving modules for input.response references or
// the string "response" anywhere (phase comparisons, helper arguments). It
// errs on the side of true: a false positive costs one evaluation, a false
// negative would skip a rule.
func readsResponse(mods []*ast.Module) bool {
	found := false
	for _, m := range mods {
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if found {
				return true
			}
			switch v := t.Value.(type) {
			case ast.String:
				if v == "response" {
					found = true
				}
			case ast.Ref:
				if !v[0].Equal(ast.InputRootDocument) {
					break
				}
				// input.response…, or input as a whole / input[var]: could reach it.
				if len(v) == 1 || v[1].Equal(responseKey) {
					found = true
				} else if _, isStr := v[1].Value.(ast.String); !isStr {
					found = true
				}
			}
			return found
		})
		if found {
			return true
		}
	}
	return false
}
