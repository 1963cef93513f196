package policy

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// typicalInput is a request as the gateway fills it for the example policies.
func typicalInput() *Input {
	in := &Input{Phase: "request"}
	in.Request = Request{
		Endpoint: "/v1/chat/completions", Model: "gpt-4o", MaxTokens: 512, Temperature: 0.7, HasTemperature: true,
		N: 1, Tools: []string{"get_weather"}, MessageCount: 3, PromptChars: 1840, User: "user-42",
		Metadata: map[string]string{"app": "support-bot"},
	}
	in.Principal = Principal{Tenant: "acme", Team: "research", KeyID: "key_7f3a", Tags: map[string]string{"env": "prod"}}
	in.Estimate = Estimate{PromptTokens: 460, MaxCostUSD: 0.0063}
	in.Findings = []Finding{{Kind: "injection", Score: 0.12, Count: 1}}
	in.Spend = Spend{TenantToday: 12.5, TenantMonth: 310.25, TeamToday: 3.1, TeamMonth: 88.4, KeyToday: 0.9, KeyMonth: 20.5, BudgetRemaining: 189.75, HasBudget: true}
	in.Health = map[string]ModelHealth{
		"gpt-4o":      {Status: "healthy", ErrorRate: 0.01, P99Ms: 2300},
		"gpt-4o-mini": {Status: "healthy", ErrorRate: 0.002, P99Ms: 900},
		"mock-gpt":    {Status: "healthy", P99Ms: 5},
	}
	in.Time = Time{Now: "2026-11-23T14:05:00Z", Hour: 14, Weekday: "monday"}
	return in
}

// fullInput fills every field (response phase), for the schema test.
func fullInput() *Input {
	in := typicalInput()
	in.Phase = "response"
	in.Findings = append(in.Findings, Finding{Kind: "pii.email", Score: 1, Count: 2})
	in.Response = Response{
		Model: "gpt-4o", FinishReason: "stop",
		Usage:    Usage{PromptTokens: 460, CompletionTokens: 120, TotalTokens: 580},
		Findings: []Finding{{Kind: "pii.phone", Score: 0.9, Count: 1}},
	}
	return in
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openTB opens an engine on dir without the watcher.
func openTB(tb testing.TB, opts Options) *Engine {
	tb.Helper()
	if opts.PollInterval == 0 {
		opts.PollInterval = -1
	}
	if opts.Timeout == 0 {
		// The shared test machine can stall one evaluation past the 50ms
		// default; tests about timeouts set their own.
		opts.Timeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	e, err := Open(opts)
	if err != nil {
		tb.Fatalf("Open(%s): %v", opts.Dir, err)
	}
	tb.Cleanup(e.Close)
	return e
}

// inputMap is the naive gateway's input: a Go map OPA converts per Eval.
func inputMap(in *Input) (m map[string]any) {
	findings := func(fs []Finding) []any {
		out := make([]any, len(fs))
		for i, f := range fs {
			out[i] = map[string]any{"kind": f.Kind, "score": f.Score, "count": f.Count}
		}
		return out
	}
	tools := make([]any, len(in.Request.Tools))
	for i, t := range in.Request.Tools {
		tools[i] = t
	}
	strMap := func(m map[string]string) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	health := make(map[string]any, len(in.Health))
	for m, h := range in.Health {
		health[m] = map[string]any{"status": h.Status, "error_rate": h.ErrorRate, "p99_ms": h.P99Ms}
	}
	r := &in.Request
	defer func() {
		if r.HasTemperature {
			m["request"].(map[string]any)["temperature"] = r.Temperature
		}
		if in.Phase == "response" {
			m["response"] = map[string]any{
				"model": in.Response.Model, "finish_reason": in.Response.FinishReason,
				"usage": map[string]any{"prompt_tokens": in.Response.Usage.PromptTokens,
					"completion_tokens": in.Response.Usage.CompletionTokens, "total_tokens": in.Response.Usage.TotalTokens},
				"findings": findings(in.Response.Findings),
			}
		}
	}()
	m = map[string]any{
		"phase": in.Phase,
		"request": map[string]any{
			"endpoint": r.Endpoint, "model": r.Model, "stream": r.Stream, "max_tokens": r.MaxTokens,
			"n": r.N, "tools": tools, "message_count": r.MessageCount,
			"prompt_chars": r.PromptChars, "user": r.User, "metadata": strMap(r.Metadata),
		},
		"principal": map[string]any{"tenant": in.Principal.Tenant, "team": in.Principal.Team, "key_id": in.Principal.KeyID, "tags": strMap(in.Principal.Tags)},
		"estimate":  map[string]any{"prompt_tokens": in.Estimate.PromptTokens, "max_cost_usd": in.Estimate.MaxCostUSD},
		"findings":  findings(in.Findings),
		"spend": map[string]any{
			"tenant_today": in.Spend.TenantToday, "tenant_month": in.Spend.TenantMonth,
			"team_today": in.Spend.TeamToday, "team_month": in.Spend.TeamMonth,
			"key_today": in.Spend.KeyToday, "key_month": in.Spend.KeyMonth,
		},
		"health": health,
		"time":   map[string]any{"now": in.Time.Now, "hour": in.Time.Hour, "weekday": in.Time.Weekday},
	}
	if in.Spend.HasBudget {
		m["spend"].(map[string]any)["budget_remaining"] = in.Spend.BudgetRemaining
	}
	return m
}
