package tollgate.decision_test

import data.tollgate
import data.tollgate.fixtures

test_typical_request if {
	tollgate.decision == {
		"allow": true, "reasons": set(), "redact": set(), "model": set(), "max_tokens": {4096}, "cache_ttl_s": {3600},
		"tags": {"team": "research"}, "headers": {},
	} with input as fixtures.request
}

test_denials_collected if {
	inp := fixtures.patched({
		"request": {"model": "o1-pro"},
		"estimate": {"max_cost_usd": 100},
	})
	d := tollgate.decision with input as inp
	d.allow == false
	{r.code | some r in d.reasons} == {"budget_exceeded", "model_not_allowed"}
}

# The gateway applies the highest priority: the fallback (20) over the downgrade (10).
test_fallback_and_downgrade_both_proposed if {
	inp := fixtures.patched({"time": {"hour": 23}, "health": {"gpt-4o": {"status": "unhealthy"}, "gpt-4o-mini": {"status": "unhealthy"}}})
	d := tollgate.decision with input as inp
	d.model == {[20, "mock-gpt"], [10, "gpt-4o-mini"]}
	d.headers == {"x-fallback-from": "gpt-4o"}
	d.tags == {"team": "research", "downgrade": "off_hours"}
}

test_redact_collects_kinds if {
	inp := fixtures.patched({"findings": [{"kind": "pii.phone", "score": 1, "count": 1}, {"kind": "pii.email", "score": 1, "count": 1}]})
	d := tollgate.decision with input as inp
	d.redact == {"pii.email", "pii.phone"}
	d.allow
}

test_response_phase_allows_clean_output if {
	d := tollgate.decision with input as fixtures.response
	d == {
		"allow": true, "reasons": set(), "redact": set(), "model": set(), "max_tokens": set(), "cache_ttl_s": set(),
		"tags": {"team": "research"}, "headers": {},
	}
}
