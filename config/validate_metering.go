package config

// validateMetering checks the metering section: encoding, ledger, Redis
// fail mode, lease fraction and prices.
func validateMetering(m *MeteringConfig, at reporter) {
	switch m.DefaultEncoding {
	case "o200k_base", "cl100k_base", "p50k_base", "r50k_base":
	default:
		at("metering.default_encoding", "unknown encoding %q (o200k_base, cl100k_base, p50k_base or r50k_base)", m.DefaultEncoding)
	}
	if m.Ledger != "on" && m.Ledger != "off" {
		at("metering.ledger", "must be on or off, got %q", m.Ledger)
	}
	switch m.RedisFailMode {
	case "lease", "local", "open", "closed":
	default:
		at("metering.redis_fail_mode", "must be lease, local, open or closed, got %q", m.RedisFailMode)
	}
	if f := m.LeaseFraction; f <= 0 || f > 0.5 {
		at("metering.lease_fraction", "must be above 0 and at most 0.5, got %g", f)
	}
	validateLedgerStore(&m.LedgerStore, at)
	for name, p := range m.Prices {
		if p.Input < 0 || p.Output < 0 || p.CachedInput < 0 || p.Reasoning < 0 {
			at("metering.prices."+name, "prices must not be negative")
		}
	}
}
