package tollgate.rules.limits_test

import data.tollgate.fixtures
import data.tollgate.rules

test_team_cap_and_ttl if {
	rules.max_tokens_caps == {4096} with input as fixtures.request
	rules.cache_ttls == {3600} with input as fixtures.request
	rules.tags == {"team": "research"} with input as fixtures.request
}

test_other_team if {
	inp := fixtures.patched({"principal": {"team": "support"}})
	rules.max_tokens_caps == {1024} with input as inp
	rules.cache_ttls == {300} with input as inp
}

test_unknown_team_unlimited if {
	inp := fixtures.patched({"principal": {"team": "marketing"}})
	count(rules.max_tokens_caps) == 0 with input as inp
	count(rules.cache_ttls) == 0 with input as inp
	count(rules.tags) == 0 with input as inp
}
