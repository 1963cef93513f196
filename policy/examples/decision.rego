# Combines the contributions of every module in package tollgate.rules into
# one decision. A module (any .rego file declaring `package tollgate.rules`)
# may contribute to these partial rules:
#   deny contains {"code": c, "message": m}   -> allow = false, reasons (sorted)
#   redact contains finding_kind              -> redact (sorted)
#   model_rewrites contains [priority, model] -> model (highest priority wins)
#   max_tokens_caps contains n                -> max_tokens (smallest wins)
#   cache_ttls contains seconds               -> cache_ttl_s (smallest wins)
#   sample_rates contains r                   -> sample_rate (smallest wins)
#   tags[k] := v, headers[k] := v             -> tags, headers (bind k in the body,
#                                                `k := "team"`: a constant key makes
#                                                tags a tree OPA enumerates, slower)
# Adding a policy is dropping a file in the directory; this file does not change.
# Helper rules share the package: prefix them with the module's name.
# The rules are referenced by name, not enumerated (data.tollgate.rules[_]),
# which keeps a decision around 10 µs.
package tollgate

import data.tollgate.rules

default deny := set()

deny := rules.deny

decision := object.union({"allow": count(deny) == 0, "reasons": [r | some r in deny]}, actions)

actions["redact"] := sort(rules.redact) if count(rules.redact) > 0

actions["model"] := max(rules.model_rewrites)[1] if count(rules.model_rewrites) > 0

actions["max_tokens"] := min(rules.max_tokens_caps) if count(rules.max_tokens_caps) > 0

actions["cache_ttl_s"] := min(rules.cache_ttls) if count(rules.cache_ttls) > 0

actions["sample_rate"] := min(rules.sample_rates) if count(rules.sample_rates) > 0

actions["tags"] := rules.tags if count(rules.tags) > 0

actions["headers"] := rules.headers if count(rules.headers) > 0
