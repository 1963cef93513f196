# Prompt-injection block: deny when the injection detector's score is above the
# tenant's threshold (or the global default).
package tollgate.rules

injection_threshold := t if {
	t := tenant.injection_block_above
} else := data.tollgate.config.injection.block_above

injection_scores := [f.score | some f in input.findings; f.kind == "injection"]

deny contains {"code": "prompt_injection", "message": msg} if {
	input.phase == "request"
	count(injection_scores) > 0
	max(injection_scores) > injection_threshold
	msg := sprintf("prompt-injection score %v is above the %v threshold", [max(injection_scores), injection_threshold])
}
