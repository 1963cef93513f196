package gateway

import (
	"crypto/x509"
	"testing"
)

// SetMaxBufferedBody lowers the buffered upstream-answer limit for one
// test (set it before starting the gateway: the plain pool reads it when
// an upstream is built), so tests need not allocate the real 64 MiB.
func SetMaxBufferedBody(t testing.TB, n int64) {
	old := maxBufferedBody.Swap(n)
	t.Cleanup(func() { maxBufferedBody.Store(old) })
}

// TrustUpstreamCAs makes upstream TLS connections trust pool instead of
// the system roots, for one test.
func TrustUpstreamCAs(t testing.TB, pool *x509.CertPool) {
	old := upstreamRootCAs
	upstreamRootCAs = pool
	t.Cleanup(func() { upstreamRootCAs = old })
}
