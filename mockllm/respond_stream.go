package mockllm

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"

	"github.com/valyala/fasthttp"
)

// startStream hands j to fasthttp's stream writer, or, when the client asked for a broken stream, to a hijacked
// connection: only there can the mock stop without the chunked terminator, which a client sees as a read error
// ("unexpected EOF") instead of a clean end.
func (s *Server) startStream(ctx *fasthttp.RequestCtx, j *streamJob) {
	s.stats.streams.Add(1)
	if j.k.failAfter >= 0 {
		ctx.HijackSetNoResponse(true)
		ctx.Hijack(func(c net.Conn) {
			defer s.stats.inFlight.Add(-1)
			bw := bufio.NewWriter(c)
			bw.WriteString("HTTP/1.1 200 OK\r\nServer: mockllm\r\nContent-Type: text/event-stream\r\n" +
				"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
			if err := bw.Flush(); err != nil {
				s.streamEnded(err)
				return
			}
			s.streamEnded(j.run(bufio.NewWriter(chunkWriter{bw})))
		})
		return
	}
	ctx.SetContentType("text/event-stream")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.Response.ImmediateHeaderFlush = true
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.stats.inFlight.Add(-1)
		s.streamEnded(j.run(w))
	})
}

// streamEnded counts how a stream finished.
func (s *Server) streamEnded(err error) {
	switch {
	case err == nil:
		s.stats.streamsCompleted.Add(1)
	case errors.Is(err, errAborted):
		s.stats.streamsAborted.Add(1)
	case errors.Is(err, errClosed):
	default:
		s.stats.streamsCancelled.Add(1)
		s.opts.Logger.Debug("mockllm: client went away mid-stream", "err", err)
	}
}

// chunkWriter frames every Write as one HTTP/1.1 chunk and flushes it.
type chunkWriter struct{ w *bufio.Writer }

func (c chunkWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var hdr [20]byte
	c.w.Write(strconv.AppendInt(hdr[:0], int64(len(p)), 16))
	c.w.WriteString("\r\n")
	c.w.Write(p)
	c.w.WriteString("\r\n")
	return len(p), c.w.Flush()
}

// breakResponse sends headers promising body in full, then only its first n bytes, then closes the connection.
func (s *Server) breakResponse(ctx *fasthttp.RequestCtx, body []byte, n int) {
	partial := append([]byte(nil), body[:min(n, len(body)-1)]...)
	size := len(body)
	s.stats.inFlight.Add(1) // the hijacked connection outlives the handler
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		defer s.stats.inFlight.Add(-1)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nServer: mockllm\r\nContent-Type: application/json\r\nContent-Length: "+
			strconv.Itoa(size)+"\r\n\r\n")
		c.Write(partial)
		s.stats.streamsAborted.Add(1)
	})
}
