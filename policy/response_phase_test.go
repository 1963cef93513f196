package policy

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestReadsResponse(t *testing.T) {
	f := func(src string, want bool) {
		t.Helper()
		m := ast.MustParseModuleWithOpts(src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if got := readsResponse([]*ast.Module{m}); got != want {
			t.Fatalf("readsResponse(%q) = %v, want %v", src, got, want)
		}
	}
	f("package tollgate\ndecision := {\"allow\": true}", false)
	f("package tollgate\ndecision := {\"allow\": input.request.model != \"x\"}", false)
	f("package tollgate\ndecision := {\"allow\": false} if input.phase == \"response\"", true)
	f("package tollgate\ndecision := {\"allow\": false} if input.response.usage.total_tokens > 10", true)
	f("package tollgate\nr := input.response\ndecision := {\"allow\": true}", true)
	f("package tollgate\ndecision := {\"allow\": count(input) > 0}", true)
	f("package tollgate\ndecision := {\"allow\": true} if { some k; input[k] }", true)
	f("package tollgate\np := \"response\"\ndecision := {\"allow\": false} if input.phase == p", true)
}
