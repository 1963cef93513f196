# Declares every contribution decision.rego reads, so each is a defined
# (possibly empty) set or object even when no module contributes to it.
# The bodies never match; they add no values.
package tollgate.rules

deny contains x if {
	some x in []
}

redact contains x if {
	some x in []
}

model_rewrites contains x if {
	some x in []
}

max_tokens_caps contains x if {
	some x in []
}

cache_ttls contains x if {
	some x in []
}

tags[k] := v if {
	some k, v in {}
}

headers[k] := v if {
	some k, v in {}
}
