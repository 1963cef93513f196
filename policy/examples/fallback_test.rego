package tollgate.rules.fallback_test

import data.tollgate.fixtures
import data.tollgate.rules

test_healthy_model_kept if {
	count(rules.model_rewrites) == 0 with input as fixtures.request
}

test_unhealthy_model_falls_back if {
	inp := fixtures.patched({"health": {"gpt-4o": {"status": "unhealthy"}}})
	rules.model_rewrites == {[20, "gpt-4o-mini"]} with input as inp
	rules.headers == {"x-fallback-from": "gpt-4o"} with input as inp
}

test_skips_unhealthy_fallback if {
	inp := fixtures.patched({"health": {"gpt-4o": {"status": "unhealthy"}, "gpt-4o-mini": {"status": "unhealthy"}}})
	rules.model_rewrites == {[20, "mock-gpt"]} with input as inp
}

test_degraded_is_not_unhealthy if {
	count(rules.model_rewrites) == 0 with input as fixtures.patched({"health": {"gpt-4o": {"status": "degraded"}}})
}

test_no_fallback_configured if {
	inp := fixtures.patched({"request": {"model": "mock-gpt"}, "health": {"mock-gpt": {"status": "unhealthy"}}})
	count(rules.model_rewrites) == 0 with input as inp
}

test_response_phase_not_rewritten if {
	inp := object.union(fixtures.response, {"health": {"gpt-4o": {"status": "unhealthy"}}})
	count(rules.model_rewrites) == 0 with input as inp
	rules.headers == {} with input as inp
}
