# Per-team max_tokens cap and response-cache TTL, and the team as a cost tag.
package tollgate.rules

max_tokens_caps contains team.max_tokens if input.phase == "request"

cache_ttls contains team.cache_ttl_s if input.phase == "request"

tags[k] := input.principal.team if {
	k := "team"
	team
}
