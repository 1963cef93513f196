package gateway

import (
	"fmt"
	"net"

	"github.com/tollgate-ai/tollgate/config"
)

// MockStarter starts the in-process mock LLM of an upstream of kind mock and
// returns how to dial it and how to stop it. The gateway does not build the
// mock itself (it would depend on it): cmd/tollgate passes one made from
// mockllm in Options.Mock, and without one a kind mock upstream is rejected.
type MockStarter func(config.MockUpstream) (dial func() (net.Conn, error), stop func())

// newUpstreamFor builds an upstream; kind mock gets its own in-process mock
// LLM on an in-memory listener, so the default config needs no network and
// still exercises the whole proxy path.
func newUpstreamFor(uc config.Upstream, startMock MockStarter) (*upstream, error) {
	if uc.Kind != config.KindMock {
		return newUpstream(uc, nil)
	}
	if startMock == nil {
		return nil, fmt.Errorf("upstream %s: kind mock needs the in-process mock LLM (gateway.Options.Mock)", uc.Name)
	}
	dial, stop := startMock(uc.Mock)
	u, err := newUpstream(uc, dial)
	if err != nil {
		stop()
		return nil, err
	}
	u.closeMock = stop
	return u, nil
}
