# Combines the contributions of every module in package tollgate.rules into
# one decision. A module (any .rego file declaring `package tollgate.rules`)
# may contribute to these partial rules:
#   deny contains {"code": c, "message": m}   -> allow = false, reasons (sorted)
#   redact contains finding_kind              -> redact (sorted)
#   model_rewrites contains [priority, model] -> model (highest priority wins)
#   max_tokens_caps contains n                -> max_tokens (smallest wins)
#   cache_ttls contains seconds               -> cache_ttl_s (smallest wins)
#   tags[k] := v, headers[k] := v             -> tags, headers (bind k in the body,
#                                                `k := "team"`: a constant key makes
#                                                tags a tree OPA enumerates, slower)
# Adding a policy is dropping a file in the directory; this file does not change.
# Helper rules share the package: prefix them with the module's name.
#
# Neutral values mean "no action": model "", max_tokens 0, cache_ttl_s -1,
# empty redact/tags/headers. The rules are referenced by name, never
# enumerated (data.tollgate.rules[_]), which keeps a decision cheap;
# contract.rego declares each of them so they exist with no contributor.
package tollgate

import data.tollgate.rules

decision := {
	"allow": count(rules.deny) == 0,
	"reasons": [r | some r in rules.deny],
	"redact": sort(rules.redact),
	"model": model,
	"max_tokens": max_tokens,
	"cache_ttl_s": cache_ttl_s,
	"tags": rules.tags,
	"headers": rules.headers,
}

default model := ""

model := max(rules.model_rewrites)[1]

default max_tokens := 0

max_tokens := min(rules.max_tokens_caps)

default cache_ttl_s := -1

cache_ttl_s := min(rules.cache_ttls)
