package cache

import (
	"io"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/metering"
)

// TestFollowerTimesOutOnSilentLeader: a follower whose leader never moves
// gives up after the coalesce timeout with an error, never hangs; a closed
// follower returns at once.
func TestFollowerTimesOutOnSilentLeader(t *testing.T) {
	fs := newFlights()
	f, leader := fs.join(Key{1})
	if !leader {
		t.Fatal("the first request does not lead")
	}
	if g, lead := fs.join(Key{1}); lead || g != f {
		t.Fatal("the second request does not follow")
	}
	w := &follower{f: f, timeout: 50 * time.Millisecond, stop: make(chan struct{})}
	if _, err := w.Next(); err != errLeaderFailed {
		t.Fatalf("silent leader: %v", err)
	}
	w = &follower{f: f, timeout: time.Hour, stop: make(chan struct{})}
	done := make(chan error)
	go func() { _, err := w.Next(); done <- err }()
	w.Close()
	if err := <-done; err != errLeaderFailed {
		t.Fatalf("closed follower: %v", err)
	}
}

// TestFollowerGetsLeaderEventsThenDone: a stream follower gets the
// leader's events from the first, then its usage chunk and [DONE]; a
// later identical request starts a new flight.
func TestFollowerGetsLeaderEventsThenDone(t *testing.T) {
	fs := newFlights()
	f, _ := fs.join(Key{2})
	f.event([]byte("data: {\"a\":1}\n\n"))
	w := &follower{f: f, includeUsage: true, timeout: time.Second, stop: make(chan struct{})}
	go func() {
		f.event([]byte("data: {\"a\":2}\n\n"))
		e := answer2KB()
		e.Usage = metering.Usage{PromptTokens: 1, CompletionTokens: 2}
		fs.end(f, e, nil)
	}()
	var got []string
	for {
		ev, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(ev))
	}
	if len(got) != 4 || got[0] != "data: {\"a\":1}\n\n" || got[1] != "data: {\"a\":2}\n\n" ||
		got[2] != `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`+"\n\n" ||
		got[3] != "data: [DONE]\n\n" {
		t.Fatalf("%q", got)
	}
	if _, leader := fs.join(Key{2}); !leader {
		t.Fatal("a finished flight is still joined")
	}
}
