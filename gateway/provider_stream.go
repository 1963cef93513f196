package gateway

import (
	"io"

	"github.com/valyala/fasthttp"

	"github.com/tollgate-ai/tollgate/providers"
)

// A translated stream reaches the relay through the same sseScanner the
// OpenAI path uses: the scanner takes its events from the provider's
// Stream and frames each chunk as "data: …\n\n", ending with
// "data: [DONE]\n\n". The first-event check, meter, stream filters, usage
// hiding, cut, abort and billing see exactly what an OpenAI upstream sends.

var doneEvent = []byte("data: [DONE]\n\n")

// acquireTranslatedScanner is a scanner over a provider's stream.
func acquireTranslatedScanner(tr providers.Stream) *sseScanner {
	s := scannerPool.Get().(*sseScanner)
	s.buf, s.off, s.err, s.tr = s.buf[:0], 0, nil, tr
	return s
}

// nextTranslated is next for a translated stream.
func (s *sseScanner) nextTranslated() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	chunk, err := s.tr.Next()
	switch {
	case err == io.EOF:
		s.err = io.EOF // the provider's stream ended well: the end marker, then EOF
		s.buf = append(s.buf[:0], doneEvent...)
		return s.buf, nil
	case err != nil:
		s.err = err
		return nil, err
	case len(chunk)+8 > maxEventBytes:
		s.err = errEventTooLarge
		return nil, s.err
	}
	s.buf = append(append(append(s.buf[:0], "data: "...), chunk...), "\n\n"...)
	return s.buf, nil
}

// translatedStream: a 2xx answer of a translated upstream that is not JSON
// is its stream (the provider's framing: SSE, AWS event stream).
func translatedStream(resp *fasthttp.Response) bool {
	ct := resp.Header.ContentType()
	return !(len(ct) >= 16 && string(ct[:16]) == "application/json")
}
