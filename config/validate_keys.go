package config

// validateKeys checks client keys: one key or its sum, a unique id, models
// that exist (in models or a route's models) and limits that are not negative.
func validateKeys(keys []Key, models, routeModels map[string]bool, at reporter) {
	ids := map[string]bool{}
	for i, k := range keys {
		p := indexPath("keys", i)
		if (k.Key == "") == (k.KeySHA256 == "") {
			at(p, "exactly one of key or key_sha256 is required")
		}
		if k.KeySHA256 != "" && !isSHA256Hex(k.KeySHA256) {
			at(p+".key_sha256", "must be 64 hex characters (sha256 of the key)")
		}
		if k.ID == "" {
			at(p+".id", "is required (it names the key in metrics and the ledger; the key itself never appears)")
		} else if ids[k.ID] {
			at(p+".id", "duplicate key id %q", k.ID)
		}
		ids[k.ID] = true
		for j, m := range k.Models {
			if !models[m] && !routeModels[m] {
				at(indexPath(p+".models", j), "unknown model %q (not in models, nor in any route's models)", m)
			}
		}
		if k.RPM < 0 || k.TPM < 0 || k.Budget.DailyUSD < 0 || k.Budget.MonthlyUSD < 0 || k.Budget.TotalUSD < 0 {
			at(p, "limits and budgets must not be negative")
		}
	}
}
