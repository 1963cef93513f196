package policy

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestCompiledMatchesOPA checks the compiled evaluator (OPA's plan run by
// policy/ireval) against OPA topdown, the reference, on random inputs that
// reach every branch of the example policies. The load-time self-check only
// replays the inputs of the policy's own tests; this covers the combinations
// between them (number formatting in messages, thresholds, missing fields).
func TestCompiledMatchesOPA(t *testing.T) {
	compiled := openTB(t, Options{Dir: examplesDir, Evaluator: EvaluatorCompiled})
	if st := compiled.Status(); st.Evaluator != EvaluatorCompiled {
		t.Fatalf("compiled evaluator not serving (%q): %s", st.Evaluator, st.EvaluatorNote)
	}
	reference := openTB(t, Options{Dir: examplesDir, Evaluator: EvaluatorOPA})
	if st := reference.Status(); st.Evaluator != EvaluatorOPA {
		t.Fatalf("reference engine serves %q, want %q", st.Evaluator, EvaluatorOPA)
	}

	const n = 3000
	rng := rand.New(rand.NewPCG(0x7011, 0x6a7e))
	ctx := context.Background()
	counts := map[string]int{}
	for i := range n {
		in := randomInput(rng)
		got, want := compiled.Decide(ctx, in), reference.Decide(ctx, in)
		if in.Phase == "response" {
			got, want = got.responseFields(), want.responseFields()
		}
		gotErr, wantErr := errString(got.Err), errString(want.Err)
		got.Err, want.Err = nil, nil
		if gotErr != wantErr || !reflect.DeepEqual(got, want) {
			t.Fatalf("input %d differs:\ninput    %+v\ncompiled %+v (err %q)\nopa      %+v (err %q)",
				i, *in, got, gotErr, want, wantErr)
		}
		if gotErr != "" {
			counts["error"]++
		}
		if want.Allow {
			counts["allow"]++
		} else {
			counts["deny"]++
		}
		if want.Model != "" {
			counts["model_rewrite"]++
		}
		if len(want.Redact) > 0 {
			counts["redact"]++
		}
		for _, r := range want.Reasons {
			counts["reason:"+r.Code]++
		}
		if len(want.Headers) > 0 {
			counts["fallback_header"]++
		}
		if want.Tags["downgrade"] != "" {
			counts["downgrade_tag"]++
		}
		if want.MaxTokens > 0 {
			counts["max_tokens_cap"]++
		}
	}
	t.Logf("%d inputs: %v", n, counts)
	for _, c := range []string{"allow", "deny", "model_rewrite", "redact", "fallback_header", "downgrade_tag",
		"max_tokens_cap", "reason:unknown_tenant", "reason:model_not_allowed", "reason:budget_exceeded",
		"reason:prompt_injection", "reason:pii_detected"} {
		if counts[c] == 0 {
			t.Errorf("category %s never hit: the generator misses a branch", c)
		}
	}
	if counts["error"] > 0 {
		t.Errorf("%d decisions were evaluation errors (on both evaluators)", counts["error"])
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// pick returns a random element of xs.
func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

// randomNumber mixes round values, thresholds and full-precision floats (how
// numbers print in sprintf messages is a place the evaluators could differ).
func randomNumber(rng *rand.Rand, scale float64) float64 {
	switch rng.IntN(4) {
	case 0:
		return float64(rng.IntN(int(scale) + 1))
	case 1:
		return float64(rng.IntN(int(scale)*4+1)) / 4
	default:
		return rng.Float64() * scale
	}
}

func randomFindings(rng *rand.Rand) []Finding {
	var fs []Finding
	for _, kind := range []string{"pii.email", "pii.phone", "pii.iban", "injection", "pii.credit_card", "email", "unknown"} {
		if rng.IntN(4) != 0 {
			continue
		}
		score := rng.Float64()
		if rng.IntN(4) == 0 {
			score = pick(rng, 0, 0.5, 0.8, 1) // the thresholds themselves
		}
		fs = append(fs, Finding{Kind: kind, Score: score, Count: rng.IntN(4)})
	}
	rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	return fs
}

func randomInput(rng *rand.Rand) *Input {
	models := []string{"gpt-4o", "gpt-4o-mini", "mock-gpt", "o1-pro", ""}
	in := &Input{Phase: pick(rng, "request", "request", "response")}
	in.Request = Request{
		Endpoint: pick(rng, "/v1/chat/completions", "/v1/completions"), Model: pick(rng, models...),
		Stream: rng.IntN(2) == 0, MaxTokens: pick(rng, 0, 256, 8192), N: 1 + rng.IntN(2),
		MessageCount: rng.IntN(10), PromptChars: rng.IntN(5000), User: pick(rng, "", "user-42"),
	}
	if rng.IntN(2) == 0 {
		in.Request.Temperature, in.Request.HasTemperature = randomNumber(rng, 2), true
	}
	if rng.IntN(3) == 0 {
		in.Request.Tools = []string{"get_weather", "search"}[:1+rng.IntN(2)]
	}
	if rng.IntN(3) == 0 {
		in.Request.Metadata = map[string]string{"app": pick(rng, "support-bot", "batch")}
	}
	in.Principal = Principal{
		Tenant: pick(rng, "acme", "acme", "globex", "globex", "unknown", ""),
		Team:   pick(rng, "research", "support", "default", "unknown"),
		KeyID:  pick(rng, "key_7f3a", "key_g", ""),
	}
	if rng.IntN(3) == 0 {
		in.Principal.Tags = map[string]string{"env": pick(rng, "prod", "dev")}
	}
	in.Estimate = Estimate{PromptTokens: rng.IntN(100000), MaxCostUSD: pick(rng, randomNumber(rng, 0.05), randomNumber(rng, 3), 1e6)}
	in.Findings = randomFindings(rng)
	in.Spend = Spend{TenantToday: randomNumber(rng, 50), TenantMonth: randomNumber(rng, 1000),
		TeamToday: randomNumber(rng, 20), KeyMonth: randomNumber(rng, 100)}
	if rng.IntN(4) != 0 {
		in.Spend.HasBudget = true
		in.Spend.BudgetRemaining = pick(rng, randomNumber(rng, 1), randomNumber(rng, 5), 5, randomNumber(rng, 1000), -3)
	}
	if rng.IntN(5) != 0 {
		in.Health = map[string]ModelHealth{}
		for _, m := range models[:4] {
			if rng.IntN(5) != 0 {
				in.Health[m] = ModelHealth{Status: pick(rng, "healthy", "degraded", "unhealthy", "unhealthy"),
					ErrorRate: rng.Float64(), P99Ms: randomNumber(rng, 5000)}
			}
		}
	}
	in.Time = Time{Now: "2026-11-23T14:05:00Z", Hour: rng.IntN(24), Weekday: pick(rng, "monday", "sunday")}
	if in.Phase == "response" {
		in.Response = Response{
			Model: pick(rng, models...), FinishReason: pick(rng, "stop", "length", "tool_calls"),
			Usage:    Usage{PromptTokens: rng.IntN(1000), CompletionTokens: rng.IntN(1000)},
			Findings: randomFindings(rng),
		}
		in.Response.Usage.TotalTokens = in.Response.Usage.PromptTokens + in.Response.Usage.CompletionTokens
	}
	return in
}
