package tollgate.rules.budget_test

import data.tollgate.fixtures
import data.tollgate.rules

test_within_budget_allowed if {
	count(rules.deny) == 0 with input as fixtures.request
}

test_estimate_equal_to_remaining_allowed if {
	inp := fixtures.patched({"estimate": {"max_cost_usd": 2.5}, "spend": {"budget_remaining": 2.5}})
	not "budget_exceeded" in fixtures.codes(rules.deny) with input as inp
}

test_estimate_over_remaining_denied if {
	inp := fixtures.patched({"estimate": {"max_cost_usd": 3}, "spend": {"budget_remaining": 2.5}})
	some r in rules.deny with input as inp
	r == {"code": "budget_exceeded", "message": "estimated cost 3 USD exceeds the remaining budget 2.5 USD"}
}

test_no_budget_configured_allowed if {
	inp := json.remove(fixtures.request, ["spend/budget_remaining"])
	not "budget_exceeded" in fixtures.codes(rules.deny) with input as json.patch(inp, [{"op": "replace", "path": "/estimate/max_cost_usd", "value": 1000000}])
}
