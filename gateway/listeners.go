package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/valyala/fasthttp"
)

// listeners tracks what the server is bound to: whether any client-facing
// listener is reachable from other hosts (admin rules and the open-proxy
// check depend on it), and the ops servers to shut down.
type listeners struct {
	mainSeen  atomic.Bool
	exposedAt atomic.Pointer[string] // the first main listener other hosts reach

	mu     sync.Mutex
	ops    []*fasthttp.Server
	closed bool
}

// addMain records a client-facing listener; an exposed one must pass
// CheckExposure. It holds s.mu so a concurrent reload sees it.
func (l *listeners) addMain(s *Server, ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !isLoopbackListener(ln) {
		addr := ln.Addr().String()
		cfg := s.Config()
		if err := CheckExposure(cfg, addr); err != nil {
			return err
		}
		s.warnIfUnauthenticated(cfg, addr)
		l.exposedAt.CompareAndSwap(nil, &addr)
	}
	l.mainSeen.Store(true)
	return nil
}

// mainLocal: every client-facing listener is loopback, and so is the peer.
func (l *listeners) mainLocal(ctx *fasthttp.RequestCtx) bool {
	return l.mainSeen.Load() && l.exposedAt.Load() == nil && fromLoopbackPeer(ctx)
}

// checkReloadListeners rejects a reload that would open the proxy on an
// exposed listener, or that moves a listener (that needs a restart; saying
// so beats ignoring it). The caller holds s.mu.
func (s *Server) checkReloadListeners(cfg *config.Config) error {
	prev := s.Config()
	if cfg.Listen != prev.Listen {
		return fmt.Errorf("listen changed from %s to %s: a restart is needed to move the listener", prev.Listen, cfg.Listen)
	}
	if cfg.Ops.Listen != prev.Ops.Listen {
		return fmt.Errorf("ops.listen changed from %s to %s: a restart is needed to move the ops listener", prev.Ops.Listen, cfg.Ops.Listen)
	}
	addr := s.listeners.exposedAt.Load()
	if addr == nil {
		return nil
	}
	if err := CheckExposure(cfg, *addr); err != nil {
		return err
	}
	s.warnIfUnauthenticated(cfg, *addr)
	return nil
}

// ServeOps serves the ops and admin endpoints (no model API, no routes) on
// ln until Shutdown. On a loopback ln, ops endpoints need no key.
func (s *Server) ServeOps(ln net.Listener) error {
	local := isLoopbackListener(ln)
	sc := s.Config().Server
	srv := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			s.handleOps(ctx, local && fromLoopbackPeer(ctx))
		},
		Name:               "tollgate-ops",
		ReadBufferSize:     sc.ReadBufferBytes,
		MaxRequestBodySize: 1 << 20, // ops endpoints read no body
		ReadTimeout:        sc.ReadTimeout,
		IdleTimeout:        sc.IdleTimeout,
		CloseOnShutdown:    true,
		Logger:             fasthttpLogger{s.log},
	}
	s.listeners.mu.Lock()
	if s.listeners.closed {
		s.listeners.mu.Unlock()
		return errors.New("ops listener: the server is shut down")
	}
	s.listeners.ops = append(s.listeners.ops, srv)
	s.listeners.mu.Unlock()
	return srv.Serve(ln)
}

func (l *listeners) shutdownOps(ctx context.Context) error {
	l.mu.Lock()
	l.closed = true
	ops := l.ops
	l.mu.Unlock()
	var errs []error
	for _, srv := range ops {
		errs = append(errs, srv.ShutdownWithContext(ctx))
	}
	return errors.Join(errs...)
}

// handleOps routes the ops listener: probes, reload and the endpoints other
// packages registered with Handle.
func (s *Server) handleOps(ctx *fasthttp.RequestCtx, local bool) {
	defer s.recoverPanic(ctx)
	path := ctx.Path()
	switch string(path) {
	case "/healthz":
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"status":"ok"}`)
		return
	case "/readyz":
		s.handleReady(ctx)
		return
	case "/admin/reload":
		s.handleAdminReload(ctx, onOps, local)
		return
	}
	e, ok := s.extra[string(path)]
	if !ok {
		e, ok = s.extraPrefix(path)
	}
	if !ok {
		writeError(ctx, &APIError{Status: 404, Type: typeNotFound, Code: "unknown_url",
			Message: "unknown ops endpoint " + truncate(string(path), 200) + "; the model API is on the main listener"})
		return
	}
	s.handleExtra(ctx, e, onOps, local)
}
