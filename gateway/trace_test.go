package gateway

import (
	"testing"

	"github.com/valyala/fasthttp"
)

func TestTraceContext(t *testing.T) {
	f := func(clientTP string, keep bool) {
		t.Helper()
		var client fasthttp.RequestHeader
		if clientTP != "" {
			client.Set("Traceparent", clientTP)
		}
		var up fasthttp.Request
		setTraceContext(&client, &up)
		got := string(up.Header.Peek("Traceparent"))
		if !validTraceparent([]byte(got)) {
			t.Fatalf("invalid traceparent sent upstream: %q", got)
		}
		if keep != (got == clientTP) {
			t.Fatalf("client %q -> upstream %q (keep=%v)", clientTP, got, keep)
		}
	}
	f("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true)
	f("", false)
	f("garbage", false)
	f("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false)
}
