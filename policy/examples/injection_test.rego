package tollgate.rules.injection_test

import data.tollgate.fixtures
import data.tollgate.rules

score(s) := fixtures.patched({"findings": [{"kind": "injection", "score": s, "count": 1}]})

test_low_score_allowed if {
	count(rules.deny) == 0 with input as score(0.3)
}

test_at_threshold_allowed if {
	count(rules.deny) == 0 with input as score(0.8)
}

test_above_threshold_denied if {
	deny := rules.deny with input as score(0.95)
	deny == {{"code": "prompt_injection", "message": "prompt-injection score 0.95 is above the 0.8 threshold"}}
}

test_tenant_threshold_overrides if {
	inp := object.union(score(0.6), {"principal": {"tenant": "globex"}, "request": {"model": "mock-gpt"}})
	fixtures.codes(rules.deny) == {"prompt_injection"} with input as inp
}
