package policy

import (
	"context"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// TestDecideMatchesNaive checks the fast path (ast input, term cache, shared
// base cache, pooled virtual cache) against plain OPA on the same policy,
// over inputs that exercise every example, repeated so caches are warm.
func TestDecideMatchesNaive(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	pq := naiveQuery(t)
	ctx := context.Background()
	variants := map[string]func(*Input){
		"typical":       func(*Input) {},
		"injection":     func(in *Input) { in.Findings[0].Score = 0.95 },
		"unknown model": func(in *Input) { in.Request.Model = "o1-pro" },
		"unknown tenant": func(in *Input) {
			in.Principal.Tenant, in.Principal.KeyID = "initech", "key_other"
		},
		"globex pii": func(in *Input) {
			in.Principal = Principal{Tenant: "globex", Team: "default", KeyID: "key_g"}
			in.Request.Model = "mock-gpt"
			in.Findings = append(in.Findings, Finding{Kind: "pii.email", Score: 1, Count: 3})
		},
		"off hours":   func(in *Input) { in.Time.Hour = 23 },
		"low budget":  func(in *Input) { in.Spend.BudgetRemaining = 2 },
		"no budget":   func(in *Input) { in.Spend.HasBudget = false },
		"over budget": func(in *Input) { in.Estimate.MaxCostUSD = 1e6 },
		"unhealthy": func(in *Input) {
			in.Health = map[string]ModelHealth{"gpt-4o": {Status: "unhealthy"}, "gpt-4o-mini": {Status: "unhealthy"}}
		},
		"response": func(in *Input) {
			in.Phase = "response"
			in.Response = Response{Model: "gpt-4o", FinishReason: "length", Findings: []Finding{{Kind: "iban", Count: 1}}}
		},
		"empty": func(in *Input) { *in = Input{} },
	}
	for round := range 3 {
		for name, patch := range variants {
			in := typicalInput()
			patch(in)
			got := e.Decide(ctx, in)
			rs, err := pq.Eval(ctx, rego.EvalInput(inputMap(in)))
			if err != nil || len(rs) != 1 {
				t.Fatalf("%s: naive eval: %v %v", name, err, rs)
			}
			v, err := ast.InterfaceToValue(rs[0].Expressions[0].Value)
			if err != nil {
				t.Fatal(err)
			}
			var want Decision
			if err := parseDecision(v, &want); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want.Revision = got.Revision
			if in.Phase == "response" {
				got, want = got.responseFields(), want.responseFields()
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %s:\nfast  %+v\nnaive %+v", round, name, got, want)
			}
		}
	}
}
