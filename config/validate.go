package config

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/url"
	"sort"
	"strings"
)

// validate checks what decoding cannot: references between sections, value
// ranges and duplicates. All problems are reported together.
func validate(c *Config, name string, lines lineIndex) error {
	errs := &errorList{name: name}
	at := func(path, format string, args ...any) { errs.add(lines.line(path), path, format, args...) }

	if c.Server.MaxBodyBytes < 1024 {
		at("server.max_body_bytes", "must be at least 1024, got %d", c.Server.MaxBodyBytes)
	}
	if c.Server.StreamWriteTimeout < 0 {
		at("server.stream_write_timeout", "must be positive, got %s", c.Server.StreamWriteTimeout)
	}
	if c.Admin.KeySHA256 != "" && !isSHA256Hex(c.Admin.KeySHA256) {
		at("admin.key_sha256", "must be 64 hex characters (sha256 of the key)")
	}
	if c.Ops.KeySHA256 != "" && !isSHA256Hex(c.Ops.KeySHA256) {
		at("ops.key_sha256", "must be 64 hex characters (sha256 of the key)")
	}
	if c.Ops.Listen != OpsListenOff {
		if _, _, err := net.SplitHostPort(c.Ops.Listen); err != nil {
			at("ops.listen", "must be host:port or off, got %q", c.Ops.Listen)
		} else if c.Ops.Listen == c.Listen {
			at("ops.listen", "is %s, the same as listen: set ops.listen to another address, or off", c.Ops.Listen)
		}
	}
	// A client holding the admin or ops key would read every tenant's figures.
	adminSum, opsSum := keySum(c.Admin.Key, c.Admin.KeySHA256), keySum(c.Ops.Key, c.Ops.KeySHA256)
	for i, k := range c.Keys {
		switch sum := keySum(k.Key, k.KeySHA256); {
		case sum == "":
		case sum == adminSum:
			at(indexPath("keys", i), "is the admin key: give clients their own keys")
		case sum == opsSum:
			at(indexPath("keys", i), "is the ops key: give clients their own keys")
		}
	}
	validateBalance(c.Routing.Balance, "routing.balance", at)

	upstreams := map[string]*Upstream{}
	for i := range c.Upstreams {
		u := &c.Upstreams[i]
		p := indexPath("upstreams", i)
		switch {
		case u.Name == "":
			at(p+".name", "is required")
		case upstreams[u.Name] != nil:
			at(p+".name", "duplicate upstream %q", u.Name)
		default:
			upstreams[u.Name] = u
		}
		switch u.Kind {
		case KindOpenAI, KindAzure:
			if u.BaseURL == "" {
				at(p+".base_url", "is required for kind %s", u.Kind)
			} else if pu, err := url.Parse(u.BaseURL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				at(p+".base_url", "must be an absolute http(s) URL, got %q", u.BaseURL)
			}
		case KindMock:
			if u.Mock.ErrorRate < 0 || u.Mock.ErrorRate > 1 {
				at(p+".mock.error_rate", "must be within [0,1]")
			}
		case "":
			at(p+".kind", "is required (openai, azure or mock)")
		default:
			at(p+".kind", "unknown kind %q (openai, azure or mock)", u.Kind)
		}
		if u.StreamUsage != "inject" && u.StreamUsage != "off" {
			at(p+".stream_usage", "must be inject or off, got %q", u.StreamUsage)
		}
		t := u.Timeouts
		if t.Connect < 0 || t.FirstByte < 0 || t.Idle < 0 || t.Total < 0 {
			at(p+".timeouts", "must not be negative")
		}
	}

	models := map[string]bool{}
	for i := range c.Models {
		m := &c.Models[i]
		p := indexPath("models", i)
		switch {
		case m.Name == "":
			at(p+".name", "is required")
		case models[m.Name]:
			at(p+".name", "duplicate model %q", m.Name)
		default:
			models[m.Name] = true
		}
		if len(m.Deployments) == 0 {
			at(p+".deployments", "at least one deployment is required")
		}
		for j, d := range m.Deployments {
			dp := indexPath(p+".deployments", j)
			if upstreams[d.Upstream] == nil {
				at(dp+".upstream", "unknown upstream %q (defined: %s)", d.Upstream, names(upstreams))
			}
			if d.Weight < 0 {
				at(dp+".weight", "must not be negative")
			}
		}
		validateBalance(m.Balance, p+".balance", at)
		if m.Retry.Attempts < 1 || m.Retry.Attempts > 10 {
			at(p+".retry.attempts", "must be within 1..10, got %d", m.Retry.Attempts)
		}
		if m.Circuit.ErrorRate <= 0 || m.Circuit.ErrorRate > 1 {
			at(p+".circuit.error_rate", "must be within (0,1]")
		}
	}
	for i := range c.Models {
		for j, f := range c.Models[i].Fallbacks {
			if !models[f] {
				at(indexPath(indexPath("models", i)+".fallbacks", j), "unknown model %q", f)
			} else if f == c.Models[i].Name {
				at(indexPath(indexPath("models", i)+".fallbacks", j), "a model cannot fall back to itself")
			}
		}
	}

	keyIDs := map[string]bool{}
	for _, k := range c.Keys {
		keyIDs[k.ID] = true
	}
	routeModels := validateRoutes(c.Routes, upstreams, keyIDs, at)

	ids := map[string]bool{}
	for i, k := range c.Keys {
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
	switch c.Metering.DefaultEncoding {
	case "o200k_base", "cl100k_base", "p50k_base", "r50k_base":
	default:
		at("metering.default_encoding", "unknown encoding %q (o200k_base, cl100k_base, p50k_base or r50k_base)", c.Metering.DefaultEncoding)
	}
	if c.Metering.Ledger != "on" && c.Metering.Ledger != "off" {
		at("metering.ledger", "must be on or off, got %q", c.Metering.Ledger)
	}
	switch c.Metering.RedisFailMode {
	case "lease", "local", "open", "closed":
	default:
		at("metering.redis_fail_mode", "must be lease, local, open or closed, got %q", c.Metering.RedisFailMode)
	}
	if f := c.Metering.LeaseFraction; f <= 0 || f > 0.5 {
		at("metering.lease_fraction", "must be above 0 and at most 0.5, got %g", f)
	}
	for name, p := range c.Metering.Prices {
		if p.Input < 0 || p.Output < 0 || p.CachedInput < 0 || p.Reasoning < 0 {
			at("metering.prices."+name, "prices must not be negative")
		}
	}
	switch c.Policy.OnError {
	case "deny", "allow":
	default:
		at("policy.on_error", "must be deny or allow, got %q", c.Policy.OnError)
	}
	switch c.Policy.Evaluator {
	case "compiled", "opa":
	default:
		at("policy.evaluator", "must be compiled or opa, got %q", c.Policy.Evaluator)
	}
	return errs.err()
}

func validateBalance(b, path string, at func(string, string, ...any)) {
	switch b {
	case BalanceWeighted, BalanceLeastInFlight, BalanceLatency:
	default:
		at(path, "unknown strategy %q (weighted, least_inflight or latency)", b)
	}
}

// keySum is a key's SHA-256 in lower-case hex, from the key or its sum; "" when neither is set.
func keySum(plain, sum string) string {
	if plain != "" {
		h := sha256.Sum256([]byte(plain))
		return hex.EncodeToString(h[:])
	}
	return strings.ToLower(sum)
}

func isSHA256Hex(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}

func names(m map[string]*Upstream) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	if len(out) == 0 {
		return "none"
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
