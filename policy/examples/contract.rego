# Declares every contribution decision.rego reads, so each is a defined
# (possibly empty) set or object even when no module contributes to it.
# The bodies never match, and their first expression lets OPA's rule index
# skip them without evaluating anything.
package tollgate.rules

deny contains x if {
	input.phase == "contract-only"
	x := {}
}

redact contains x if {
	input.phase == "contract-only"
	x := ""
}

model_rewrites contains x if {
	input.phase == "contract-only"
	x := []
}

max_tokens_caps contains x if {
	input.phase == "contract-only"
	x := 0
}

cache_ttls contains x if {
	input.phase == "contract-only"
	x := 0
}

tags[k] := v if {
	input.phase == "contract-only"
	k := ""
	v := ""
}

headers[k] := v if {
	input.phase == "contract-only"
	k := ""
	v := ""
}
