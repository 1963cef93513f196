package config

// validatePolicy checks the policy section's enumerations.
func validatePolicy(p *PolicyConfig, at reporter) {
	switch p.OnError {
	case "deny", "allow":
	default:
		at("policy.on_error", "must be deny or allow, got %q", p.OnError)
	}
	switch p.Evaluator {
	case "compiled", "opa":
	default:
		at("policy.evaluator", "must be compiled or opa, got %q", p.Evaluator)
	}
}
