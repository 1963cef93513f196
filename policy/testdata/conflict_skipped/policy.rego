# A conflict (two values for `limit`) that OPA's rule index skips for most
# inputs: the deny rule's indexed condition fails before `limit` is read.
package tollgate

limit := 1

limit := 2

deny contains "too_many" if {
	limit
	input.request.model == "gpt-4o"
}

default decision := {"allow": true}

decision := {"allow": false, "reasons": [{"code": "blocked", "message": "blocked"}]} if count(deny) > 0
