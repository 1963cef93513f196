//go:build linux

package gateway

import (
	"io"
	"net"
	"testing"
	"time"
)

// acceptPair returns both ends of a loopback TCP connection.
func acceptPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestPeerClosedSeesALiveClientAsOpen(t *testing.T) {
	server, client := acceptPair(t)
	if peerClosed(server) {
		t.Fatal("idle live client reported closed")
	}
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	_ = server.SetReadDeadline(time.Now().Add(2 * time.Second))
	time.Sleep(20 * time.Millisecond) // let the byte cross loopback, so the peek sees it
	if peerClosed(server) {
		t.Fatal("client with pending data reported closed")
	}
	if _, err := io.ReadFull(server, b[:]); err != nil || b[0] != 'x' {
		t.Fatalf("the peeked byte was consumed: %q, %v", b, err)
	}
}

func TestPeerClosedSeesAHangUp(t *testing.T) {
	server, client := acceptPair(t)
	client.Close()
	deadline := time.Now().Add(2 * time.Second)
	for !peerClosed(server) {
		if time.Now().After(deadline) {
			t.Fatal("closed client not noticed within 2s")
		}
		time.Sleep(time.Millisecond)
	}
}
