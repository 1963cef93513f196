package tollgate.rules.pii_test

import data.tollgate.fixtures
import data.tollgate.rules

email := [{"kind": "pii.email", "score": 1, "count": 2}, {"kind": "injection", "score": 0.1, "count": 1}]

test_redact_tenant_gets_redaction if {
	inp := fixtures.patched({"findings": email})
	rules.redact == {"pii.email"} with input as inp
	count(rules.deny) == 0 with input as inp
}

test_deny_tenant_is_refused if {
	inp := fixtures.patched({"principal": {"tenant": "globex"}, "request": {"model": "mock-gpt"}, "findings": email})
	deny := rules.deny with input as inp
	deny == {{"code": "pii_detected", "message": `request contains pii.email; tenant "globex" does not allow PII`}}
	count(rules.redact) == 0 with input as inp
}

test_non_pii_findings_ignored if {
	count(rules.pii_found) == 0 with input as fixtures.patched({"findings": [{"kind": "injection", "score": 0.9, "count": 1}]})
}

test_zero_count_ignored if {
	count(rules.pii_found) == 0 with input as fixtures.patched({"findings": [{"kind": "pii.email", "score": 1, "count": 0}]})
}

test_response_findings_redacted if {
	inp := object.union(fixtures.response, {"response": {"findings": [{"kind": "pii.phone", "score": 1, "count": 1}]}})
	rules.redact == {"pii.phone"} with input as inp
}

test_response_redacts_only_response_findings if {
	inp := object.union(fixtures.response, {"findings": email, "response": {"findings": [{"kind": "pii.phone", "score": 1, "count": 1}]}})
	rules.redact == {"pii.phone"} with input as inp
}

test_deny_tenant_refused_in_response if {
	inp := object.union(fixtures.response, {"principal": {"tenant": "globex"}, "response": {"findings": email}})
	some r in rules.deny with input as inp
	r.code == "pii_detected"
}

test_other_filter_kinds_ignored if {
	inp := fixtures.patched({"findings": [{"kind": "secret.github_token", "score": 0.95, "count": 1}, {"kind": "blocklist.banned", "score": 1, "count": 2}]})
	count(rules.pii_found) == 0 with input as inp
}

test_unprefixed_kind_names_are_not_findings if {
	count(rules.pii_found) == 0 with input as fixtures.patched({"findings": [{"kind": "email", "score": 1, "count": 1}]})
}

test_ip_address_redacted if {
	rules.redact == {"pii.ip_address"} with input as fixtures.patched({"findings": [{"kind": "pii.ip_address", "score": 0.95, "count": 1}]})
}
