package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--max-tokens", "3", "--log-level", "warn"}, io.Discard,
			func(addr string) { addrs <- addr })
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	}
	resp, err := http.Post("http://"+addr+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"completion_tokens":3`) {
		t.Errorf("status %d body %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	f := func(args []string, want string) {
		t.Helper()
		var stderr strings.Builder
		err := run(context.Background(), args, &stderr, nil)
		if err == nil || !strings.Contains(err.Error()+stderr.String(), want) {
			t.Errorf("%v: err %v, stderr %q; want %q", args, err, stderr.String(), want)
		}
	}
	f([]string{"--error-rate", "2"}, "error-rate")
	f([]string{"--error-status", "200"}, "error-status")
	f([]string{"--latency", "fast"}, "invalid value")
	f([]string{"--log-level", "loud"}, "log-level")
	f([]string{"extra"}, "unexpected arguments")
	f([]string{"--listen", "256.0.0.1:1"}, "--listen")
}
