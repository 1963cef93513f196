package mockllm

import (
	"bufio"
	"net"
	"strings"
	"testing"
)

// TestTCPStreamDisconnect runs the disconnect path over a real loopback socket, where a gone client shows up only
// as a failed write some time after the close, unlike the in-memory pipe.
func TestTCPStreamDisconnect(t *testing.T) {
	s := New(Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()

	f := func(headers string, wantCancelled int64) {
		t.Helper()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`
		_, err = conn.Write([]byte("POST /v1/chat/completions HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n" +
			headers + "Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body))
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading until the first event: %v", err)
			}
			if strings.HasPrefix(line, "data: ") {
				break
			}
		}
		conn.Close()
		waitFor(t, "StreamsCancelled", func() bool { return s.Stats().StreamsCancelled == wantCancelled })
	}
	f("x-mock-tokens: 100000\r\nx-mock-tokens-per-sec: 2000\r\n", 1)
	f("x-mock-gate: tcp\r\n", 2)
}

func itoa(n int) string { return string(appendInt(nil, n)) }
