# PII: tenants with pii "redact" get the found kinds redacted (in the request
# and in the response); tenants with pii "deny" are refused.
package tollgate.rules

pii_kinds := {k | some k in data.tollgate.config.pii_kinds}

# PII kinds found by the input filters (request) or the output filters (response).
pii_found contains f.kind if {
	some f in pii_findings
	f.count > 0
	f.kind in pii_kinds
}

pii_findings := input.findings if request_phase

pii_findings := input.response.findings if input.phase == "response"

redact contains kind if {
	tenant.pii == "redact"
	some kind in pii_found
}

deny contains {"code": "pii_detected", "message": msg} if {
	tenant.pii == "deny"
	count(pii_found) > 0
	msg := sprintf("%s contains %s; tenant %q does not allow PII", [input.phase, concat(", ", sort(pii_found)), input.principal.tenant])
}
