# Calls a non-deterministic builtin: served by OPA's evaluator, not the compiled one.
package tollgate

decision := {"allow": time.now_ns() > 0}
