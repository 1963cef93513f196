package config

// validateLimitScopes checks the tenants and teams sections: named, unique,
// limits and budgets not negative.
func validateLimitScopes(c *Config, at reporter) {
	for _, sc := range []struct {
		name   string
		scopes []LimitScope
	}{{"tenants", c.Tenants}, {"teams", c.Teams}} {
		seen := map[string]bool{}
		for i, l := range sc.scopes {
			p := indexPath(sc.name, i)
			if l.Name == "" {
				at(p+".name", "is required")
			} else if seen[l.Name] {
				at(p+".name", "duplicate %q", l.Name)
			}
			seen[l.Name] = true
			if l.RPM < 0 || l.TPM < 0 || l.Budget.DailyUSD < 0 || l.Budget.MonthlyUSD < 0 || l.Budget.TotalUSD < 0 {
				at(p, "limits and budgets must not be negative")
			}
		}
	}
}
