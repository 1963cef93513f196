package mockllm

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/valyala/fasthttp/fasthttputil"
)

// testServer is a Server on an in-memory listener with clients that dial it.
type testServer struct {
	*Server
	ln   *fasthttputil.InmemoryListener
	http *http.Client
}

func startServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	s := New(opts)
	ln := fasthttputil.NewInmemoryListener()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	ts := &testServer{Server: s, ln: ln}
	ts.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return ln.Dial() },
	}}
	t.Cleanup(func() {
		ts.http.CloseIdleConnections()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// headerTransport adds fixed headers (the x-mock-* knobs) to every request of a go-openai client.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return h.base.RoundTrip(r)
}

// client returns a go-openai client for the server, sending headers with every request.
func (ts *testServer) client(headers map[string]string) *openai.Client {
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = "http://mock/v1"
	cfg.HTTPClient = &http.Client{Transport: headerTransport{base: ts.http.Transport, headers: headers}}
	return openai.NewClientWithConfig(cfg)
}

// post sends a raw request and returns status, headers and body.
func (ts *testServer) post(t *testing.T, path string, headers map[string]string, body string) (int, http.Header, []byte) {
	t.Helper()
	return ts.do(t, http.MethodPost, path, headers, body)
}

func (ts *testServer) do(t *testing.T, method, path string, headers map[string]string, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://mock"+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}
