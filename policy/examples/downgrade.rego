# Downgrade to the tenant's cheap model outside business hours or when little
# budget is left. Priority 10: a health fallback (priority 20) wins over it.
package tollgate.rules

downgrade_why := "low_budget" if {
	input.spend.budget_remaining < tenant.downgrade_below_usd
} else := "off_hours" if {
	input.time.hour < tenant.business_hours.from
} else := "off_hours" if {
	input.time.hour >= tenant.business_hours.to
}

model_rewrites contains [10, tenant.cheap_model] if {
	input.phase == "request"
	downgrade_why
	input.request.model != tenant.cheap_model
}

tags[k] := downgrade_why if {
	k := "downgrade"
	input.phase == "request"
	input.request.model != tenant.cheap_model
}
