# Tenant model allowlist: a tenant may only call the models listed in
# data.tollgate.config.tenants[tenant].models; unknown tenants are refused.
package tollgate.rules

deny contains {"code": "unknown_tenant", "message": msg} if {
	input.phase == "request"
	not tenant
	msg := sprintf("tenant %q is not configured", [input.principal.tenant])
}

deny contains {"code": "model_not_allowed", "message": msg} if {
	input.phase == "request"
	not input.request.model in tenant.models
	tenant
	msg := sprintf("model %q is not allowed for tenant %q", [input.request.model, input.principal.tenant])
}
