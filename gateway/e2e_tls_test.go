package gateway_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// lingerListener's connections close like a server across a network: the
// FIN (after TLS's close_notify) goes out at once, the socket itself stays
// open a while, so a request written meanwhile is read by nobody and draws
// no reset; the client sees close_notify and EOF. On loopback a plain
// close would answer the request with an immediate reset instead.
type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return lingerConn{c.(*net.TCPConn)}, nil
}

type lingerConn struct{ *net.TCPConn }

func (c lingerConn) Close() error {
	_ = c.CloseWrite()
	time.AfterFunc(500*time.Millisecond, func() { _ = c.TCPConn.Close() })
	return nil
}

// TestTLSUpstreamRestartIsNotAFailure: as TestUpstreamRestartIsNotAFailure,
// over TLS. A closing TLS server sends close_notify before its FIN, so a
// stale connection is only recognised above TLS, where that alert is not
// a byte of an answer.
func TestTLSUpstreamRestartIsNotAFailure(t *testing.T) {
	cert, pool := selfSigned(t)
	gateway.TrustUpstreamCAs(t, pool)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	up := startRestartable(t, func(ln net.Listener) net.Listener { return tls.NewListener(lingerListener{ln}, cfg) })
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "https://{{ADDR}}/v1"}]
models:
  - {name: m, retry: {attempts: 1}, circuit: {consecutive_failures: 1, cooldown: 1m}, deployments: [{upstream: u, model: mock-gpt}]}
`, map[string]string{"ADDR": up.addr})
	checkSurvivesRestart(t, newClient(base, ""), up)
}
