package gateway_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/mockllm"
	"golang.org/x/sys/unix"
)

// Each message the gateway sends goes out in one write: the request to
// the upstream and the answer to the client. A message split in two (the
// headers, then the body) costs a second system call and a second wakeup
// of the reader, which is what latency at a modest rate is made of. TCP
// counts the segments carrying data that a socket received (TCP_INFO's
// tcpi_data_segs_in): on loopback, with TCP_NODELAY, each write of a
// small message is one segment, so the count is the number of writes the
// other side made.

// segConns records the TCP connections a listener accepted or a client
// dialed, to read their segment counts afterwards.
type segConns struct {
	mu    sync.Mutex
	conns []*net.TCPConn
}

func (s *segConns) add(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = append(s.conns, c.(*net.TCPConn))
}

// dataSegsIn sums the data segments every recorded connection received.
func (s *segConns) dataSegsIn(t *testing.T) (n uint32) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		rc, err := c.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var info *unix.TCPInfo
		var serr error
		if err := rc.Control(func(fd uintptr) { info, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil {
			t.Fatal(err)
		}
		if serr != nil {
			t.Fatal(serr)
		}
		n += info.Data_segs_in
	}
	return n
}

// segmentsYAML is a bare gateway: one upstream, no stages.
const segmentsYAML = `
upstreams: [{name: u, kind: openai, base_url: "{{UP}}"}]
models: [{name: mock-gpt, deployments: [{upstream: u}]}]
`

type segListener struct {
	net.Listener
	seen *segConns
}

func (l segListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.seen.add(c)
	}
	return c, err
}

// TestUpstreamGetsEachRequestInOneWrite: what reaches the upstream, chats
// streamed and not, one data segment per request.
func TestUpstreamGetsEachRequestInOneWrite(t *testing.T) {
	up := &segConns{}
	mock := mockllm.New(mockllm.Options{})
	ln := segListener{Listener: listenLoopback(t), seen: up}
	go func() { _ = mock.Serve(ln) }()
	t.Cleanup(func() { _ = mock.Close(); _ = ln.Close() })
	base, _ := startGateway(t, segmentsYAML, map[string]string{"UP": "http://" + ln.Addr().String() + "/v1"})
	c := newClient(base, "")

	const chats, streams = 5, 3
	for range chats {
		if _, err := c.CreateChatCompletion(context.Background(), chatReq("mock-gpt", "one write, please")); err != nil {
			t.Fatal(err)
		}
	}
	for range streams {
		req := chatReq("mock-gpt", "one write for a stream too")
		req.Stream = true
		s, err := c.CreateChatCompletionStream(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := s.Recv(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	if got := up.dataSegsIn(t); got != chats+streams {
		t.Fatalf("the upstream received %d data segments for %d requests: a request went out in more than one write", got, chats+streams)
	}
}

// TestClientGetsEachAnswerInOneWrite: a non-streamed answer, success or
// error, reaches the client in one data segment.
func TestClientGetsEachAnswerInOneWrite(t *testing.T) {
	upURL, _ := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, segmentsYAML, map[string]string{"UP": upURL})
	dialed := &segConns{}
	hc := &http.Client{Transport: &http.Transport{
		MaxConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				dialed.add(c)
			}
			return c, err
		},
	}}
	cfg := openai.DefaultConfig("")
	cfg.BaseURL, cfg.HTTPClient = base, hc
	c := openai.NewClientWithConfig(cfg)

	const chats, errs = 5, 2
	for range chats {
		if _, err := c.CreateChatCompletion(context.Background(), chatReq("mock-gpt", "one write back, please")); err != nil {
			t.Fatal(err)
		}
	}
	for range errs {
		_, err := c.CreateChatCompletion(context.Background(), chatReq("no-such-model", "hello"))
		var e *openai.APIError
		if !asAPIError(err, &e) || e.HTTPStatusCode != 404 {
			t.Fatalf("want a 404 for an unknown model, got %v", err)
		}
	}
	if len(dialed.conns) != 1 {
		t.Fatalf("the client dialed %d connections, want 1 kept alive", len(dialed.conns))
	}
	if got := dialed.dataSegsIn(t); got != chats+errs {
		t.Fatalf("the client received %d data segments for %d answers: an answer went out in more than one write", got, chats+errs)
	}
}
