package mockllm

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// TestGateStreamOrdering: a gated stream delivers its first chunk, then waits while an ungated request runs to the
// end; only Open lets it finish. The order is forced by the gate, no clock involved.
func TestGateStreamOrdering(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 4})
	g := ts.Gate("g1")
	req := chatRequest("gated")
	req.Stream = true
	stream, err := ts.client(map[string]string{"x-mock-gate": "g1"}).CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	first, err := stream.Recv()
	if err != nil || first.Choices[0].Delta.Role != "assistant" {
		t.Fatalf("first chunk %+v, err %v", first, err)
	}
	<-g.Reached()

	events := make(chan string, 3)
	go func() {
		n := 0
		for {
			_, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				events <- "gated stream failed: " + err.Error()
				return
			}
			n++
		}
		if n != 4+1 {
			events <- "gated stream ended with wrong chunk count"
			return
		}
		events <- "gated done"
	}()
	if _, err := ts.client(nil).CreateChatCompletion(context.Background(), chatRequest("free")); err != nil {
		t.Fatal(err)
	}
	events <- "free done"
	g.Open()
	if a, b := <-events, <-events; a != "free done" || b != "gated done" {
		t.Errorf("order %q, %q; want free done, gated done", a, b)
	}
	waitFor(t, "StreamsCompleted == 1", func() bool { return ts.Stats().StreamsCompleted == 1 })
	if st := ts.Stats(); st.GateTimeouts != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestGateNonStream(t *testing.T) {
	ts := startServer(t, Options{})
	g := ts.Gate("held")
	done := make(chan error, 1)
	go func() {
		_, err := ts.client(map[string]string{"x-mock-gate": "held"}).CreateChatCompletion(context.Background(), chatRequest("x"))
		done <- err
	}()
	<-g.Reached()
	select {
	case err := <-done:
		t.Fatalf("request finished before Open: %v", err)
	default:
	}
	g.Open()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// An open gate stays open.
	if _, err := ts.client(map[string]string{"x-mock-gate": "held"}).CreateChatCompletion(context.Background(), chatRequest("x")); err != nil {
		t.Fatal(err)
	}
}

// TestGateClientDisconnect: a client leaving while its stream waits at a gate is noticed by the keep-alive
// comments and counted, without opening the gate.
func TestGateClientDisconnect(t *testing.T) {
	ts := startServer(t, Options{})
	g := ts.Gate("abandoned")
	ctx, cancel := context.WithCancel(context.Background())
	req := chatRequest("x")
	req.Stream = true
	stream, err := ts.client(map[string]string{"x-mock-gate": "abandoned"}).CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	<-g.Reached()
	cancel()
	stream.Close()
	waitFor(t, "StreamsCancelled == 1", func() bool { return ts.Stats().StreamsCancelled == 1 })
}

// TestCloseReleasesGates: Close does not wait 30 s for a gate nobody opens.
func TestCloseReleasesGates(t *testing.T) {
	s := startServer(t, Options{})
	g := s.Gate("never")
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := chatRequest("x")
		req.Stream = true
		stream, err := s.client(map[string]string{"x-mock-gate": "never"}).CreateChatCompletionStream(context.Background(), req)
		if err != nil {
			return
		}
		defer stream.Close()
		for {
			if _, err := stream.Recv(); err != nil {
				return
			}
		}
	}()
	<-g.Reached()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	<-done
}

// TestGateTimeout: nobody opens the gate; after the timeout both kinds of request go on and the timeouts count.
func TestGateTimeout(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 2})
	ts.gateTimeout = 20 * time.Millisecond
	if _, err := ts.client(map[string]string{"x-mock-gate": "stuck"}).CreateChatCompletion(context.Background(), chatRequest("x")); err != nil {
		t.Fatal(err)
	}
	req := chatRequest("x")
	req.Stream = true
	stream, err := ts.client(map[string]string{"x-mock-gate": "stuck"}).CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	n := 0
	for {
		if _, err := stream.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d chunks, want 4", n)
	}
	if got := ts.Stats().GateTimeouts; got != 2 {
		t.Errorf("GateTimeouts = %d, want 2", got)
	}
}

func TestCloseWithoutServe(t *testing.T) {
	if err := New(Options{}).Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
