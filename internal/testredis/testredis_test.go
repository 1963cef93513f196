package testredis

import (
	"net"
	"os/exec"
	"strconv"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s := StartOpts(t, "--maxclients", "64")
	if err := ping(s.Addr); err != nil {
		t.Fatalf("fresh server does not answer PING: %v", err)
	}
	s.Stop()
	if err := ping(s.Addr); err == nil {
		t.Fatalf("stopped server still answers PING on %s", s.Addr)
	}
	s.Stop() // idempotent
	addr := s.Addr
	s.Restart()
	if s.Addr != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, s.Addr)
	}
	if err := ping(s.Addr); err != nil {
		t.Fatalf("restarted server does not answer PING: %v", err)
	}
}

func TestStartGivesDistinctServers(t *testing.T) {
	a, b := Start(t), Start(t)
	if a == b {
		t.Fatalf("two servers share address %s", a)
	}
	for _, addr := range []string{a, b} {
		if err := ping(addr); err != nil {
			t.Fatalf("server %s does not answer PING: %v", addr, err)
		}
	}
}

func TestStartOptsBadArgFails(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed; run make test, which installs it")
	}
	s := &Server{t: t, bin: "redis-server", dir: t.TempDir(), args: []string{"--no-such-option", "1"}}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := s.launch(); err == nil {
		s.Stop()
		t.Fatal("launch with an invalid option succeeded; want an error naming the exit")
	}
}

func TestPauseResume(t *testing.T) {
	s := StartOpts(t)
	s.Pause()
	if err := ping(s.Addr); err == nil { // ping waits 500 ms for an answer
		t.Fatal("paused server answers PING")
	}
	s.Resume()
	if err := ping(s.Addr); err != nil {
		t.Fatalf("resumed server does not answer PING: %v", err)
	}
	s.Pause() // Stop (at cleanup) must kill a paused server too
}
