# Budget guard: deny when the request's worst-case cost exceeds what is left.
package tollgate.rules

deny contains {"code": "budget_exceeded", "message": msg} if {
	input.phase == "request"
	input.estimate.max_cost_usd > input.spend.budget_remaining
	msg := sprintf("estimated cost %v USD exceeds the remaining budget %v USD", [input.estimate.max_cost_usd, input.spend.budget_remaining])
}
