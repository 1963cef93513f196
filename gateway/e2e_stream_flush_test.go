package gateway_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// TestStreamEventsRelayedOneByOne reads a relayed stream off the wire, as
// the HTTP chunks the gateway sends: the first event reaches the client
// while the upstream still holds the rest back (at the mock's gate), so it
// was flushed at once, not buffered; and every chunk carries exactly one
// event, so none waited for another.
func TestStreamEventsRelayedOneByOne(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	gate := mock.Gate("flush")
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", headers: {x-mock-tokens: "8", x-mock-gate: flush}}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": mockURL})
	host := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/v1")
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	req := "POST /v1/chat/completions HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(streamBody)) + "\r\n\r\n" + streamBody
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("status line %q: %v", status, err)
	}
	chunked := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		chunked = chunked || strings.EqualFold(strings.TrimSpace(line), "Transfer-Encoding: chunked")
	}
	if !chunked {
		t.Fatal("the stream is not sent chunked")
	}
	first := readChunk(t, br)
	select {
	case <-gate.Reached():
	default:
		t.Fatal("the first event came before the mock reached its gate")
	}
	events := []string{first}
	gate.Open()
	for {
		ch := readChunk(t, br)
		if ch == "" {
			break
		}
		events = append(events, ch)
	}
	for i, ev := range events {
		if !strings.HasPrefix(ev, "data: ") || !strings.HasSuffix(ev, "\n\n") || strings.Count(ev, "\n\n") != 1 {
			t.Fatalf("chunk %d of %d is not one event: %q", i, len(events), ev)
		}
	}
	if len(events) < 8 || events[len(events)-1] != "data: [DONE]\n\n" {
		t.Fatalf("%d events, the last %q: want the 8 tokens' events and [DONE]", len(events), events[len(events)-1])
	}
}

// readChunk reads one chunk of a chunked body: "" for the last (empty) one.
func readChunk(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(line), 16, 32)
	if err != nil {
		t.Fatalf("chunk size line %q: %v", line, err)
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(br, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("chunk %q does not end with CRLF", b)
	}
	return string(b[:n])
}
