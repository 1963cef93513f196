package mockllm

import (
	"bufio"
	"bytes"
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// eventStream is a provider-format stream (Gemini SSE, Bedrock event-stream frames) built whole before it is
// sent, then written event by event, paced by the knobs. With x-mock-fail-after n, the provider's own mid-stream
// error event replaces everything after the n-th event.
type eventStream struct {
	s      *Server
	k      knobs
	events [][]byte
	fail   []byte
}

func (s *Server) startEvents(ctx *fasthttp.RequestCtx, contentType string, j *eventStream) {
	s.stats.streams.Add(1)
	ctx.SetContentType(contentType)
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.Response.ImmediateHeaderFlush = true
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.stats.inFlight.Add(-1)
		s.streamEnded(j.run(w))
	})
}

func (j *eventStream) run(w *bufio.Writer) error {
	pace := j.s.newPacer()
	defer pace.stop()
	sleep := pace.sleep
	if err := sleep(j.k.ttft); err != nil {
		return err
	}
	var interval time.Duration
	if j.k.tokensPerSec > 0 {
		interval = time.Duration(float64(time.Second) / j.k.tokensPerSec)
	}
	for i, ev := range j.events {
		if j.k.failAfter >= 0 && i >= j.k.failAfter {
			w.Write(j.fail)
			w.Flush()
			return errAborted
		}
		if i > 0 {
			if err := sleep(interval); err != nil {
				return err
			}
		}
		w.Write(ev)
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// appendMockArgs appends a JSON object with a value for each property of the JSON schema: strings "mock",
// numbers 1, booleans true, arrays [], objects {}; the arguments the mock model "chooses" for a tool call.
func appendMockArgs(dst []byte, schema *fastjson.Value) []byte {
	dst = append(dst, '{')
	n := 0
	if props, _ := schema.Get("properties").Object(); props != nil {
		props.Visit(func(k []byte, v *fastjson.Value) {
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst = jsonw.Bytes(dst, k)
			dst = append(dst, ':')
			typ := v.GetStringBytes("type")
			if typ == nil {
				typ = v.GetStringBytes("type", "0")
			}
			switch string(bytes.ToLower(typ)) {
			case "number", "integer":
				dst = append(dst, '1')
			case "boolean":
				dst = append(dst, "true"...)
			case "array":
				dst = append(dst, "[]"...)
			case "object":
				dst = append(dst, "{}"...)
			default:
				if e := v.GetArray("enum"); len(e) > 0 {
					dst = e[0].MarshalTo(dst)
				} else {
					dst = append(dst, `"mock"`...)
				}
			}
		})
	}
	return append(dst, '}')
}
