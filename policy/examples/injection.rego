# Prompt-injection block: deny when the injection detector's score is above the
# tenant's threshold (or the global default).
package tollgate.rules

injection_threshold := t if {
	t := tenant.injection_block_above
} else := data.tollgate.config.injection.block_above

deny contains {"code": "prompt_injection", "message": msg} if {
	input.phase == "request"
	some f in input.findings
	f.kind == "injection"
	f.score > injection_threshold
	msg := sprintf("prompt-injection score %v is above the %v threshold", [f.score, injection_threshold])
}
