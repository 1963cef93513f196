# Health-aware fallback: rewrite a model whose health is "unhealthy" to the
# first configured fallback that is not unhealthy itself.
package tollgate.rules

fallback_unhealthy(model) if input.health[model].status == "unhealthy"

fallback_alternatives := [m |
	some m in data.tollgate.config.fallbacks[input.request.model]
	not fallback_unhealthy(m)
]

fallback_applies if {
	input.phase == "request"
	input.health[input.request.model].status == "unhealthy"
	count(fallback_alternatives) > 0
}

model_rewrites contains [20, fallback_alternatives[0]] if {
	input.phase == "request"
	fallback_applies
}

headers[k] := input.request.model if {
	k := "x-fallback-from"
	input.phase == "request"
	fallback_applies
}
