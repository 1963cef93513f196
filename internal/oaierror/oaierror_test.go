package oaierror

import (
	"encoding/json"
	"testing"
)

func TestAppend(t *testing.T) {
	f := func(b Body, want string) {
		t.Helper()
		got := b.Append([]byte("x"))
		if string(got) != "x"+want {
			t.Fatalf("got  %s\nwant x%s", got, want)
		}
		if !json.Valid(got[1:]) {
			t.Fatalf("invalid JSON %s", got[1:])
		}
	}
	f(Body{Message: "m", Type: "invalid_request_error"},
		`{"error":{"message":"m","type":"invalid_request_error","code":null,"param":null}}`)
	f(Body{Message: `quote " \ and newline` + "\n", Type: "rate_limit_error", Code: "rate_limit_exceeded", Param: "model"},
		`{"error":{"message":"quote \" \\ and newline\n","type":"rate_limit_error","code":"rate_limit_exceeded","param":"model"}}`)
}

func TestAppendAllocs(t *testing.T) {
	b := Body{Message: "too many requests", Type: "rate_limit_error", Code: "rate_limit_exceeded"}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = b.Append(buf[:0]) }); n != 0 {
		t.Fatalf("%v allocs per Append, want 0", n)
	}
}
