# PII: tenants with pii "redact" get the found pii.<type> kinds (the content
# filters' findings, listed in pii_kinds) redacted (in the request
# and in the response); tenants with pii "deny" are refused.
package tollgate.rules

# PII kinds found by the input filters (request) or the output filters (response).
pii_found contains f.kind if {
	input.phase == "request"
	some f in input.findings
	pii_kind(f)
}

pii_found contains f.kind if {
	input.phase == "response"
	some f in input.response.findings
	pii_kind(f)
}

pii_kind(f) if {
	data.tollgate.config.pii_kinds[f.kind]
	f.count > 0
}

# The tenant's mode is checked first so the other tenants skip the findings.
redact contains f.kind if {
	input.phase == "request"
	tenant.pii == "redact"
	some f in input.findings
	pii_kind(f)
}

redact contains f.kind if {
	input.phase == "response"
	tenant.pii == "redact"
	some f in input.response.findings
	pii_kind(f)
}

deny contains {"code": "pii_detected", "message": msg} if {
	tenant.pii == "deny"
	count(pii_found) > 0
	msg := sprintf("%s contains %s; tenant %q does not allow PII", [input.phase, concat(", ", sort(pii_found)), input.principal.tenant])
}
