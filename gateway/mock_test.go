package gateway_test

import (
	"net"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/mockllm"
)

// inProcessMock is what cmd/tollgate passes as Options.Mock: the gateway's tests
// supply the in-process mock themselves, the package does not import it.
func inProcessMock(m config.MockUpstream) (func() (net.Conn, error), func()) {
	return mockllm.StartInMemory(mockllm.Options{Latency: m.Latency, TTFT: m.TTFT, TokensPerSec: m.TokensPerSec, ErrorRate: m.ErrorRate})
}

const mockOnlyConfig = "upstreams: [{name: mock, kind: mock}]\nmodels: [{name: m, deployments: [{upstream: mock}]}]\n"

// A kind mock upstream without Options.Mock is a clear error, on New and on
// Reload, never a nil dial at the first request.
func TestMockUpstreamNeedsStarter(t *testing.T) {
	if _, err := gateway.New(parseConfig(t, mockOnlyConfig, nil), gateway.Options{}); err == nil ||
		!strings.Contains(err.Error(), "gateway.Options.Mock") {
		t.Fatalf("New without Options.Mock: %v", err)
	}
	gw, err := gateway.New(parseConfig(t, "upstreams: [{name: real, kind: openai, base_url: 'http://127.0.0.1:1'}]\nmodels: [{name: m, deployments: [{upstream: real}]}]\n", nil), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Reload(parseConfig(t, mockOnlyConfig, nil)); err == nil || !strings.Contains(err.Error(), "gateway.Options.Mock") {
		t.Fatalf("Reload without Options.Mock: %v", err)
	}
}
