# Combines the contributions of every module in package tollgate.rules into
# one decision. A module (any .rego file declaring `package tollgate.rules`)
# may contribute to these partial rules:
#   deny contains {"code": c, "message": m}   -> allow = false, reasons
#   redact contains finding_kind              -> redact
#   model_rewrites contains [priority, model] -> model: highest priority wins
#   max_tokens_caps contains n                -> max_tokens: smallest wins
#   cache_ttls contains seconds               -> cache_ttl_s: smallest wins
#   tags[k] := v, headers[k] := v             -> tags, headers (bind k in the body,
#                                                `k := "team"`: a constant key makes
#                                                tags a tree OPA enumerates, slower)
# Adding a policy is dropping a file in the directory; this file does not change.
# Helper rules share the package: prefix them with the module's name.
#
# The sets are handed to the gateway as they are: it sorts reasons and redact,
# and reduces model, max_tokens and cache_ttl_s (docs/policies.md). Doing
# those reductions here (defaults, min, max, sort) cost ~110 allocations a
# decision. The rules are referenced by name, never enumerated
# (data.tollgate.rules[_]); contract.rego declares each of them, so they exist
# with no contributor.
package tollgate

import data.tollgate.rules

decision := {
	"allow": count(rules.deny) == 0,
	"reasons": rules.deny,
	"redact": rules.redact,
	"model": rules.model_rewrites,
	"max_tokens": rules.max_tokens_caps,
	"cache_ttl_s": rules.cache_ttls,
	"tags": rules.tags,
	"headers": rules.headers,
}
