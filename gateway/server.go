// Package gateway is Tollgate's proxy: the fasthttp server, OpenAI
// endpoints, auth, routing with retries, fallbacks and circuit breaking,
// the SSE relay, and the order in which pipeline stages run.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/valyala/fasthttp"
)

// Options configure a Server beyond its config file.
type Options struct {
	Logger *slog.Logger
	Stages Stages
	// Mock starts the in-process mock LLM for upstreams of kind mock
	// (cmd/tollgate builds it from mockllm); nil rejects such upstreams.
	Mock MockStarter
	// Feedback stores what POST /v1/feedback takes (the evals sink); nil:
	// the endpoint answers 404 (gateway/feedback_api.go).
	Feedback FeedbackStore
}

// Server is the gateway. Its config can be swapped live with Reload.
type Server struct {
	rt         atomic.Pointer[servingConfig]
	log        *slog.Logger
	stages     Stages
	startMock  MockStarter
	pipe       pipeline // the Stage hooks of stages.Filters, Evals, Cache
	srv        *fasthttp.Server
	mu         sync.Mutex     // serialises reloads
	shadows    sync.WaitGroup // running shadow calls (gateway/rollout_shadow.go)
	extra      map[string]extraHandler
	closed     atomic.Bool
	reloadFn   atomic.Pointer[ReloadFunc]
	healthView atomic.Pointer[healthView]
	timeView   atomic.Pointer[timeView] // input.time, formatted once a second
	// started is the config the process started with: the settings in
	// restartOnly keep its values until a restart.
	started   *config.Config
	pending   atomic.Pointer[[]string] // restartOnly settings the last reload could not apply
	listeners listeners
	feedback  FeedbackStore
	admission admission // requests in flight (gateway/admission.go)
	conns     connLimit // client connections (gateway/conn_limit.go)
}

type extraHandler struct {
	h      fasthttp.RequestHandler
	access Access
}

// New builds a server for cfg. It does not listen yet.
func New(cfg *config.Config, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	pipe, err := newPipeline(opts.Stages)
	if err != nil {
		return nil, err
	}
	rt, err := buildServingConfig(cfg, nil, opts.Stages.Health, opts.Mock)
	if err != nil {
		return nil, err
	}
	pipe.addUISections(opts.Stages.Health)
	s := &Server{log: opts.Logger, stages: opts.Stages, startMock: opts.Mock, pipe: pipe, extra: map[string]extraHandler{}, started: cfg,
		feedback: opts.Feedback}
	s.rt.Store(rt)
	noteAdmissionLimit(cfg.Server.MaxInFlight)
	s.addRolloutEndpoints()
	sc := cfg.Server
	s.srv = &fasthttp.Server{
		Handler: s.handle,
		Name:    "tollgate",
		// HeaderReceived applies the body limit of the config serving now,
		// so a reload changes it (fasthttp reads the struct's fields
		// unsynchronised: they are never written after Serve).
		HeaderReceived: s.requestLimits,
		ReadBufferSize: sc.ReadBufferBytes,
		// Streams and idle connections hold no read buffer (gateway/buffers.go).
		ReduceMemoryUsage:  reduceConnMemory,
		MaxRequestBodySize: sc.MaxBodyBytes,
		ReadTimeout:        sc.ReadTimeout,
		IdleTimeout:        sc.IdleTimeout,
		// No WriteTimeout: it would cut long streams. Streams are bounded
		// by the upstream idle and total timeouts instead.
		// connLimit answers connections over server.concurrency in
		// OpenAI's shape; fasthttp's plain-text 503 is never reached.
		Concurrency:                   fasthttpConcurrency(sc),
		NoDefaultDate:                 false,
		DisableHeaderNamesNormalizing: false,
		CloseOnShutdown:               true,
		ErrorHandler:                  s.serverError,
		Logger:                        fasthttpLogger{s.log},
	}
	return s, nil
}

// Handle adds an endpoint served by another package (metrics, health,
// usage) on both listeners; access says which key it needs (auth.go).
// Call it before serving.
func (s *Server) Handle(path string, h fasthttp.RequestHandler, access Access) {
	s.extra[path] = extraHandler{h: h, access: access}
}

// requestLimits gives fasthttp the body limit of the config serving now.
func (s *Server) requestLimits(*fasthttp.RequestHeader) fasthttp.RequestConfig {
	return fasthttp.RequestConfig{MaxRequestBodySize: s.rt.Load().cfg.Server.MaxBodyBytes}
}

// Reload swaps in a new config. A config that cannot be built is rejected
// and the running one keeps serving. In-flight requests finish on the
// runtime they started with. Settings that only a restart applies
// (restartOnly) keep their running values: a reload that changes them is
// applied otherwise, logged as a warning naming them, and reported by
// PendingRestart (and in the /admin/reload answer).
func (s *Server) Reload(cfg *config.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkReloadListeners(cfg); err != nil {
		return err
	}
	prev := s.rt.Load()
	if h := s.stages.Health; h != nil {
		if err := h.Reload(HealthOptions(cfg, s.log)); err != nil {
			return err
		}
	}
	next, err := buildServingConfig(cfg, prev, s.stages.Health, s.startMock)
	if err != nil {
		return err
	}
	if r := s.stages.Rollouts; r != nil {
		if err := r.Update(cfg.Rollouts); err != nil {
			next.closeNew(prev)
			return err
		}
	}
	s.rt.Store(next)
	noteAdmissionLimit(cfg.Server.MaxInFlight)
	prev.retire(next)
	pending := needsRestart(s.started, cfg)
	s.pending.Store(&pending)
	if len(pending) > 0 {
		s.log.Warn("config reloaded, but these settings need a restart to take effect; they keep their running values",
			"needs_restart", pending)
	}
	return nil
}

// PendingRestart names the settings of the last reloaded config that
// differ from the running process's and need a restart to take effect.
func (s *Server) PendingRestart() []string {
	if p := s.pending.Load(); p != nil {
		return *p
	}
	return nil
}

// Config returns the config currently serving. Its restartOnly settings
// may differ from those in force (see PendingRestart).
func (s *Server) Config() *config.Config { return s.rt.Load().cfg }

// Serve accepts client connections on ln until Shutdown. It refuses an
// open proxy on an address other hosts reach (CheckExposure).
func (s *Server) Serve(ln net.Listener) error {
	if err := s.listeners.addMain(s, ln); err != nil {
		return err
	}
	return s.srv.Serve(s.conns.wrap(ln, s.started.Server))
}

// ListenAndServe listens on the config's address.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.started.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.started.Listen, err)
	}
	return s.Serve(ln)
}

// Shutdown stops accepting, waits for in-flight requests (streams
// included) until ctx ends, then closes upstream pools.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closed.Store(true)
	err := errors.Join(s.srv.ShutdownWithContext(ctx), s.listeners.shutdownOps(ctx))
	s.waitStreamWriters(ctx)
	if d, ok := ctx.Deadline(); ok {
		s.waitShadows(d)
	} else {
		s.shadows.Wait()
	}
	rt := s.rt.Load()
	for _, u := range rt.upstreams {
		u.close()
	}
	return err
}

// waitStreamWriters waits, within ctx, for the stream writers still
// ending after their connections closed: each holds its admission slot
// until its finish (stages, ledger record) has run, and the caller closes
// the ledger right after Shutdown, which would send a late record to the
// spool instead of the ledger.
func (s *Server) waitStreamWriters(ctx context.Context) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for s.admission.inFlight.Load() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// serverError answers errors fasthttp detects before the handler runs.
func (s *Server) serverError(ctx *fasthttp.RequestCtx, err error) {
	var e *APIError
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		// The limit requestLimits applied: the serving config's (a reload
		// between the headers and here is the only way they could differ).
		e = &APIError{Status: 413, Type: typeInvalidRequest, Code: "request_too_large",
			Message: fmt.Sprintf("request body exceeds %d bytes (server.max_body_bytes)", s.Config().Server.MaxBodyBytes)}
	case isHeaderTooLarge(err):
		// read_buffer_bytes needs a restart: the value in force is the
		// one the server started with, not the reloaded config's.
		e = &APIError{Status: 431, Type: typeInvalidRequest, Code: "headers_too_large",
			Message: fmt.Sprintf("request headers exceed %d bytes (server.read_buffer_bytes)", s.started.Server.ReadBufferBytes)}
	case isTimeout(err):
		// A client that sends its request slower than read_timeout
		// (slowloris): answered, then the connection closes.
		e = &APIError{Status: 408, Type: typeInvalidRequest, Code: "request_timeout",
			Message: fmt.Sprintf("the request was not received within %s (server.read_timeout)", s.started.Server.ReadTimeout)}
	default:
		e = &APIError{Status: 400, Type: typeInvalidRequest, Code: "bad_request", Message: "malformed HTTP request: " + err.Error()}
	}
	x := acquireExchange()
	x.setRequestID(&ctx.Request.Header)
	ctx.Response.Header.SetBytesV("X-Request-Id", x.requestID)
	releaseExchange(x)
	writeErrorFor(ctx, e)
}

func isHeaderTooLarge(err error) bool {
	var se *fasthttp.ErrSmallBuffer
	return errors.As(err, &se)
}

type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	// Connection-level noise (client resets, oversized bodies already
	// answered with JSON) belongs at debug level.
	f.l.Debug("fasthttp", "msg", fmt.Sprintf(format, args...))
}
