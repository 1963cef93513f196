package tollgate.rules.allowlist_test

import data.tollgate.fixtures
import data.tollgate.rules

test_listed_model_allowed if {
	count(rules.deny) == 0 with input as fixtures.request
}

test_unlisted_model_denied if {
	deny := rules.deny with input as fixtures.patched({"request": {"model": "o1-pro"}})
	deny == {{"code": "model_not_allowed", "message": `model "o1-pro" is not allowed for tenant "acme"`}}
}

test_tenant_lists_differ if {
	deny := rules.deny with input as fixtures.patched({"principal": {"tenant": "globex"}})
	fixtures.codes(deny) == {"model_not_allowed"}
}

test_unknown_tenant_denied if {
	deny := rules.deny with input as fixtures.patched({"principal": {"tenant": "initech"}})
	deny == {{"code": "unknown_tenant", "message": `tenant "initech" is not configured`}}
}

test_response_phase_not_checked if {
	count(rules.deny) == 0 with input as fixtures.patched({"phase": "response", "request": {"model": "o1-pro"}})
}
