package config

import "net"

// validateServer checks the listener, admin and ops sections, and that no
// client key is the admin or ops key.
func validateServer(c *Config, at reporter) {
	if c.Server.MaxBodyBytes < 1024 {
		at("server.max_body_bytes", "must be at least 1024, got %d", c.Server.MaxBodyBytes)
	}
	if n := c.Server.MaxInFlight; n != nil && *n < 0 {
		at("server.max_in_flight", "must be 0 (no limit) or more, got %d", *n)
	}
	if c.Server.Concurrency < 0 {
		at("server.concurrency", "must be 0 (the default, %d) or more, got %d", DefaultConcurrency, c.Server.Concurrency)
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
}
