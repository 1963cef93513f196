package main

import (
	"net"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/mockllm"
)

// startMock runs the in-process mock LLM behind an upstream of kind mock
// (gateway.Options.Mock): the gateway itself does not depend on mockllm.
func startMock(m config.MockUpstream) (dial func() (net.Conn, error), stop func()) {
	return mockllm.StartInMemory(mockllm.Options{
		Latency:      m.Latency,
		TTFT:         m.TTFT,
		TokensPerSec: m.TokensPerSec,
		ErrorRate:    m.ErrorRate,
		Embeddings:   m.Embeddings,
	})
}
