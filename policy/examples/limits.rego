# Per-team max_tokens cap and response-cache TTL, and the team as a cost tag.
package tollgate.rules

max_tokens_caps contains team.max_tokens if request_phase

cache_ttls contains team.cache_ttl_s if request_phase

tags[k] := input.principal.team if {
	k := "team"
	team
}
