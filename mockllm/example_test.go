package mockllm_test

import (
	"fmt"
	"net"

	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// The gateway's embedded default config runs the mock in-process: serve it on an in-memory listener and let the
// upstream client dial that listener.
func Example_inProcess() {
	mock := mockllm.New(mockllm.Options{MaxTokens: 3})
	ln := fasthttputil.NewInmemoryListener()
	go mock.Serve(ln)
	defer mock.Close()

	client := &fasthttp.Client{Dial: func(string) (net.Conn, error) { return ln.Dial() }}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI("http://mockllm/v1/completions")
	req.SetBodyString(`{"model":"mock-gpt","prompt":"hello"}`)
	if err := client.Do(req, resp); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode(), mock.Stats().Requests)
	// Output: 200 1
}
