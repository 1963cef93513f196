package tollgate.rules.downgrade_test

import data.tollgate.fixtures
import data.tollgate.rules

test_business_hours_keep_model if {
	count(rules.model_rewrites) == 0 with input as fixtures.request
}

test_off_hours_downgrade if {
	inp := fixtures.patched({"time": {"hour": 22}})
	rules.model_rewrites == {[10, "gpt-4o-mini"]} with input as inp
	rules.tags.downgrade == "off_hours" with input as inp
}

test_before_hours_downgrade if {
	rules.model_rewrites == {[10, "gpt-4o-mini"]} with input as fixtures.patched({"time": {"hour": 7}})
}

test_low_budget_downgrade if {
	inp := fixtures.patched({"spend": {"budget_remaining": 4.99}})
	rules.model_rewrites == {[10, "gpt-4o-mini"]} with input as inp
	rules.tags.downgrade == "low_budget" with input as inp
}

test_cheap_model_untouched if {
	count(rules.model_rewrites) == 0 with input as fixtures.patched({"request": {"model": "gpt-4o-mini"}, "time": {"hour": 23}})
}
