# Shared test inputs (a _test.rego file, so it is never served).
package tollgate.fixtures

request := {
	"phase": "request",
	"request": {
		"endpoint": "/v1/chat/completions", "model": "gpt-4o", "stream": false, "max_tokens": 512,
		"n": 1, "tools": [], "message_count": 2, "prompt_chars": 480, "user": "", "metadata": {},
	},
	"principal": {"tenant": "acme", "team": "research", "key_id": "key_1", "tags": {}},
	"estimate": {"prompt_tokens": 120, "max_cost_usd": 0.01},
	"findings": [],
	"spend": {
		"tenant_today": 1, "tenant_month": 20, "team_today": 0.5, "team_month": 10,
		"key_today": 0.1, "key_month": 2, "budget_remaining": 80,
	},
	"health": {"gpt-4o": {"status": "healthy", "error_rate": 0, "p99_ms": 900}},
	"time": {"now": "2026-11-23T14:00:00Z", "hour": 14, "weekday": "monday"},
}

# patched returns request merged with patch (deep merge).
patched(patch) := object.union(request, patch)

response := patched({
	"phase": "response",
	"response": {
		"model": "gpt-4o", "finish_reason": "stop",
		"usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
		"findings": [],
	},
})

# codes is the set of reason codes in a deny set.
codes(deny) := {r.code | some r in deny}
