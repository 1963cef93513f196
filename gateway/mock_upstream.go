package gateway

import (
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp/fasthttputil"
)

// newUpstreamFor builds an upstream; kind mock gets its own in-process mock
// LLM on an in-memory listener, so the default config needs no network and
// still exercises the whole proxy path.
func newUpstreamFor(uc config.Upstream) (*upstream, error) {
	if uc.Kind != config.KindMock {
		return newUpstream(uc, nil)
	}
	ln := fasthttputil.NewInmemoryListener()
	srv := mockllm.New(mockllm.Options{
		Latency:      uc.Mock.Latency,
		TTFT:         uc.Mock.TTFT,
		TokensPerSec: uc.Mock.TokensPerSec,
		ErrorRate:    uc.Mock.ErrorRate,
	})
	go func() { _ = srv.Serve(ln) }()
	u, err := newUpstream(uc, ln.Dial)
	if err != nil {
		_ = srv.Close()
		_ = ln.Close()
		return nil, err
	}
	u.closeMock = func() { _ = srv.Close(); _ = ln.Close() }
	return u, nil
}
