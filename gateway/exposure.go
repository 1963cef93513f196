package gateway

import (
	"fmt"
	"net"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/valyala/fasthttp"
)

// Where a request may skip a key is decided by the address the listener is
// bound to, never by the connection's local address: on a 0.0.0.0 listener a
// sidecar, a port-forward or a reverse proxy on the same host delivers remote
// clients from 127.0.0.1, so "the peer is loopback" proves nothing there. A
// listener bound to loopback can only be reached from this host; the peer is
// checked too (defence in depth). X-Forwarded-For is never read for this.

// IsLoopbackListen reports whether a listen address ("host:port") can only
// be reached from this host. An empty host, 0.0.0.0, [::] and any name but
// "localhost" count as reachable from elsewhere.
func IsLoopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isLoopbackListener is IsLoopbackListen for a bound listener.
func isLoopbackListener(ln net.Listener) bool {
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		return a.IP.IsLoopback()
	}
	return IsLoopbackListen(ln.Addr().String())
}

// fromLoopbackPeer reports whether the request came from this host.
func fromLoopbackPeer(ctx *fasthttp.RequestCtx) bool { return ctx.RemoteIP().IsLoopback() }

// CheckExposure refuses a config that would serve an open proxy: no keys
// (auth off), a model or route on a real (non-mock) upstream, and a listen
// address reachable from other hosts, unless auth.allow_unauthenticated says
// so. The error names the opt-in.
func CheckExposure(cfg *config.Config, listen string) error {
	if !unauthenticatedProxy(cfg) || IsLoopbackListen(listen) || cfg.Auth.AllowUnauthenticated {
		return nil
	}
	return fmt.Errorf("refusing to serve %s: auth is off (no keys) and upstream %q is real, so anyone who reaches this address "+
		"spends on its API key; configure keys, listen on 127.0.0.1, or set auth.allow_unauthenticated: true",
		listen, realUpstream(cfg))
}

// unauthenticatedProxy: auth off and at least one real upstream in use.
func unauthenticatedProxy(cfg *config.Config) bool {
	return len(cfg.Keys) == 0 && realUpstream(cfg) != ""
}

// realUpstream names the first non-mock upstream a model or route uses.
func realUpstream(cfg *config.Config) string {
	real := map[string]bool{}
	for _, u := range cfg.Upstreams {
		real[u.Name] = u.Kind != config.KindMock
	}
	for _, m := range cfg.Models {
		for _, d := range m.Deployments {
			if real[d.Upstream] {
				return d.Upstream
			}
		}
	}
	for _, r := range cfg.Routes {
		if real[r.Upstream] {
			return r.Upstream
		}
	}
	return ""
}

// warnIfUnauthenticated logs loudly when the opt-in is what lets cfg serve.
func (s *Server) warnIfUnauthenticated(cfg *config.Config, listen string) {
	if unauthenticatedProxy(cfg) && !IsLoopbackListen(listen) {
		s.log.Warn("AUTH IS OFF on a non-loopback address (auth.allow_unauthenticated: true): anyone who reaches it "+
			"spends on the upstreams' API keys", "listen", listen, "upstream", realUpstream(cfg))
	}
}
