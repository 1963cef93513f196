package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fasthttp"
)

// upstream is one provider endpoint. It keeps two connection pools: one for
// buffered calls (deadline = total timeout) and one for streams, whose
// connections enforce first-byte and idle-gap timeouts per read.
type upstream struct {
	cfg    config.Upstream
	fp     string // fingerprint: an unchanged upstream keeps its pools across reloads
	scheme string
	host   string
	prefix string // base URL path, without trailing slash
	plain  *fasthttp.HostClient
	stream *fasthttp.HostClient
	// authName/authValue is the header carrying the upstream's own key.
	authName  string
	authValue string
	// provider translates a translated kind's traffic (anthropic, gemini,
	// bedrock: gateway/provider_kinds.go); nil for openai, azure and mock,
	// whose bodies pass as they are.
	provider  providers.Provider
	closeMock func()
	// stale counts reused connections found closed before they answered
	// (timedConn): a failed call that saw it move was a stale-pool race.
	stale atomic.Uint64
}

// upstreamRootCAs verifies upstream certificates; nil is the system roots.
var upstreamRootCAs *x509.CertPool

func newUpstream(cfg config.Upstream, mockDial func() (net.Conn, error)) (*upstream, error) {
	u := &upstream{cfg: cfg, fp: fmt.Sprintf("%#v", cfg)}
	var dial fasthttp.DialFuncWithTimeout
	if cfg.Kind == config.KindMock {
		u.scheme, u.host, u.prefix = "http", "mock", "/v1"
		dial = func(string, time.Duration) (net.Conn, error) { return mockDial() }
	} else {
		pu, err := url.Parse(cfg.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("upstream %s: base_url: %w", cfg.Name, err)
		}
		u.scheme, u.host, u.prefix = pu.Scheme, pu.Host, strings.TrimRight(pu.Path, "/")
		connect := cfg.Timeouts.Connect
		dialer := &fasthttp.TCPDialer{Concurrency: 0, DNSCacheDuration: time.Minute}
		dial = func(addr string, timeout time.Duration) (net.Conn, error) {
			if timeout <= 0 || timeout > connect {
				timeout = connect
			}
			return dialer.DialTimeout(addr, timeout)
		}
		if u.scheme == "https" {
			dial = tlsDial(dial, &tls.Config{ServerName: pu.Hostname(), RootCAs: upstreamRootCAs,
				ClientSessionCache: tls.NewLRUClientSessionCache(0), MinVersion: tls.VersionTLS12}, connect)
		}
	}
	addr := u.host
	if !strings.Contains(addr, ":") || strings.HasSuffix(addr, "]") {
		if u.scheme == "https" {
			addr += ":443"
		} else {
			addr += ":80"
		}
	}
	prov, err := newProvider(cfg)
	if err != nil {
		return nil, err
	}
	u.provider = prov
	switch {
	case cfg.Kind == config.KindAnthropic:
		// The provider writes it too; set here, pass-through routes to the
		// upstream carry it as well.
		u.authName, u.authValue = "x-api-key", cfg.APIKey
	case prov != nil: // the provider writes its own credentials
	case cfg.Kind == config.KindAzure:
		u.authName, u.authValue = "api-key", cfg.APIKey
	default:
		if cfg.APIKey != "" {
			u.authName, u.authValue = "Authorization", "Bearer "+cfg.APIKey
		}
	}
	mk := func(stream bool) *fasthttp.HostClient {
		var firstByte, idle time.Duration
		if stream {
			firstByte, idle = cfg.Timeouts.FirstByte, cfg.Timeouts.Idle
		}
		d := func(addr string, timeout time.Duration) (net.Conn, error) {
			c, err := dialFor(stream, dial, addr, timeout) // gateway/buffers.go
			if err != nil {
				return nil, err
			}
			return &timedConn{Conn: c, firstByte: firstByte, idle: idle, stale: &u.stale}, nil
		}
		return &fasthttp.HostClient{
			Addr:                          addr,
			Name:                          "tollgate",
			IsTLS:                         u.scheme == "https",
			DialTimeout:                   d,
			MaxConns:                      cfg.MaxConns,
			MaxIdleConnDuration:           cfg.MaxIdleConnDuration,
			MaxConnWaitTimeout:            cfg.Timeouts.Connect,
			StreamResponseBody:            stream,
			MaxResponseBodySize:           int(maxBufferedBody.Load()), // over it: ErrBodyTooLarge, a 502
			ReadBufferSize:                upstreamReadBuffer(stream),
			DisableHeaderNamesNormalizing: false,
			NoDefaultUserAgentHeader:      true,
			RetryIfErr:                    func(*fasthttp.Request, int, error) (bool, bool) { return false, false }, // retries are ours
		}
	}
	u.plain, u.stream = mk(false), mk(true)
	return u, nil
}

// do sends req on client within deadline. When a reused pooled connection
// turns out closed by the upstream before its first response byte, it sends
// once more at once on a fresh connection: neither an attempt nor a failure
// of the deployment. That is the keep-alive race every HTTP client retries:
// the upstream closed the idle connection (idle timeout, restart) as the
// request went out, so no live server read it. A server that read it and
// died before answering looks the same; the gateway retries failures of
// that kind anyway. The counter is per upstream, so a concurrent stale
// connection can earn a genuine close one resend too, never more.
func (u *upstream) do(client *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response, deadline time.Time) error {
	req.SetTimeout(time.Until(deadline))
	stale := u.stale.Load()
	err := client.Do(req, resp)
	if err == nil || u.stale.Load() == stale || !isStaleConnErr(err) {
		return err
	}
	left := time.Until(deadline)
	if left <= 0 {
		return err
	}
	client.CloseIdleConnections() // its pooled siblings saw the same restart
	req.SetTimeout(left)
	return client.Do(req, resp)
}

// tlsDial handshakes inside the dial, under timedConn, instead of letting
// fasthttp wrap the connection: timedConn must see HTTP bytes, not TLS
// records. A closing TLS server sends close_notify before its FIN, which
// below TLS looks like the first byte of an answer and hid a stale pooled
// connection. The connect timeout bounds dial and handshake together.
func tlsDial(dial fasthttp.DialFuncWithTimeout, cfg *tls.Config, connect time.Duration) fasthttp.DialFuncWithTimeout {
	return func(addr string, timeout time.Duration) (net.Conn, error) {
		if timeout <= 0 || timeout > connect {
			timeout = connect
		}
		deadline := time.Now().Add(timeout)
		c, err := dial(addr, timeout)
		if err != nil {
			return nil, err
		}
		tc := tls.Client(c, cfg)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, err
		}
		return tc, nil
	}
}

// setURI points req at path under this upstream. For Azure the deployment
// name takes the model's place in the path.
func (u *upstream) setURI(req *fasthttp.Request, ep endpoint, upstreamModel string) {
	uri := req.URI()
	uri.SetScheme(u.scheme)
	uri.SetHost(u.host)
	if u.cfg.Kind == config.KindAzure {
		b := uri.Path()[:0]
		b = append(b, u.prefix...)
		b = append(b, "/openai/deployments/"...)
		b = append(b, upstreamModel...)
		b = append(b, ep.upstreamPath()...)
		uri.SetPathBytes(b)
		uri.QueryArgs().Set("api-version", u.cfg.APIVersion)
		return
	}
	b := append(uri.Path()[:0], u.prefix...)
	uri.SetPathBytes(append(b, ep.upstreamPath()...))
}

// setHeaders writes the upstream's own credentials and configured headers.
// The client's Authorization never reaches here: upstream requests are built
// fresh, not copied from the client's.
func (u *upstream) setHeaders(req *fasthttp.Request) {
	if u.authName != "" {
		req.Header.Set(u.authName, u.authValue)
	}
	for k, v := range u.cfg.Headers {
		req.Header.Set(k, v)
	}
}

func (u *upstream) close() {
	u.plain.CloseIdleConnections()
	u.stream.CloseIdleConnections()
	if u.closeMock != nil {
		u.closeMock()
	}
}
