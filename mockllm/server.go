package mockllm

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// shutdownTimeout bounds Close: streams stop at once, idle keep-alive connections are closed by fasthttp.
const shutdownTimeout = 5 * time.Second

// Server is the mock. Its Handler is safe for concurrent use; one Server may Serve several listeners.
type Server struct {
	opts     Options
	bias     *plantedBias    // nil unless Options.PlantedBias
	refusals []plantedAnswer // the texts of refusals (Options.RefusalRate, x-mock-refusal-rate)
	tokens   *tokenCounter
	srv      *fasthttp.Server
	parsers  fastjson.ParserPool
	gates    gates
	stats    counters

	idSalt  uint64
	idSeq   atomic.Uint64
	rngSeq  atomic.Uint64 // error-injection draws
	closing chan struct{}
	closed  sync.Once

	gateTimeout time.Duration // gateTimeout, shorter in tests
}

// New returns a Server. Out-of-range options are clamped (use Options.Validate to reject them instead). It panics
// only if the embedded cl100k_base ranks cannot be loaded, which would be a broken build.
func New(opts Options) *Server {
	enc, err := sharedCL100K()
	if err != nil {
		panic(err)
	}
	s := &Server{
		opts:    opts.withDefaults(),
		tokens:  newTokenCounter(enc),
		closing: make(chan struct{}),

		gateTimeout: gateTimeout,
	}
	var salt [8]byte
	rand.Read(salt[:])
	s.idSalt = binary.LittleEndian.Uint64(salt[:])
	s.rngSeq.Store(uint64(s.opts.Seed))
	s.bias = s.compilePlantedBias(s.opts.PlantedBias)
	s.refusals = s.compileAnswers(refusalTexts)
	s.srv = &fasthttp.Server{
		Handler:              s.Handler,
		Name:                 "mockllm",
		NoDefaultContentType: true,
		MaxRequestBodySize:   32 << 20,
		ReadTimeout:          time.Minute,
		IdleTimeout:          time.Minute,
		Logger:               fasthttpLogger{s.opts.Logger},
	}
	return s
}

// Serve answers connections from ln until Close; with fasthttputil.InmemoryListener it runs in-process.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if s.isClosed() {
		return nil
	}
	return err
}

// ListenAndServe listens on the TCP address addr and serves it until Close.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Close stops every stream and gate wait, closes the listeners and waits up to 5 s for connections to finish.
func (s *Server) Close() error {
	s.closed.Do(func() { close(s.closing) })
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := s.srv.ShutdownWithContext(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("mockllm: close: connections still open after 5s")
	}
	return err
}

func (s *Server) isClosed() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Gate returns the named test gate, creating it. See Gate. It returns nil only when 1024 gates already exist.
func (s *Server) Gate(name string) *Gate {
	g, err := s.gates.get([]byte(name))
	if err != nil {
		s.opts.Logger.Error("mockllm: gate not created", "gate", name, "err", err)
		return nil
	}
	return g
}

func (s *Server) gateTimedOut(g *Gate) {
	s.stats.gateTimeouts.Add(1)
	s.opts.Logger.Warn("mockllm: gate wait timed out, continuing", "gate", g.name, "timeout", s.gateTimeout)
}

func (s *Server) now() time.Time { return time.Now() }

// appendID appends 24 hex digits unique within this process's servers (random salt, sequence).
func (s *Server) appendID(dst []byte) []byte {
	seq := s.idSeq.Add(1)
	for _, x := range [2]uint64{mix64(s.idSalt ^ seq), mix64(s.idSalt + seq*golden64)} {
		for shift := 60; shift >= 0; shift -= 4 {
			dst = append(dst, "0123456789abcdef"[(x>>uint(shift))&0xf])
		}
	}
	return dst[:len(dst)-8]
}

// injectError draws whether this request gets an injected error.
func (s *Server) injectError(rate float64) bool {
	if rate <= 0 {
		return false
	}
	if rate >= 1 {
		return true
	}
	x := mix64(s.rngSeq.Add(golden64))
	return float64(x>>11)/(1<<53) < rate
}

// fasthttpLogger routes fasthttp's own messages to slog at debug level: they are mostly clients hanging up,
// which tests and load tests do on purpose.
type fasthttpLogger struct {
	l interface{ Debug(string, ...any) }
}

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Debug("mockllm: fasthttp", "msg", fmt.Sprintf(format, args...))
}
