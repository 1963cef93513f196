package gateway

import (
	"bytes"
	"errors"
	"io"

	"github.com/tollgate-ai/tollgate/internal/jsonscan"
	"github.com/tollgate-ai/tollgate/providers"
)

// maxEventBytes bounds one SSE event: a runaway upstream cannot make the
// gateway buffer without limit.
const maxEventBytes = 8 << 20

var errEventTooLarge = errors.New("SSE event larger than 8 MiB")

// sseScanner splits an SSE byte stream into whole events (each ending with
// a blank line) as they arrive, so each can be relayed and flushed at once.
// Lines may end in \n or \r\n (a lone \r, legal but unused by any
// OpenAI-compatible server, is not treated as a line end). An event is returned with its original
// bytes; the slice is valid until the next call.
//
// One buffer, read into straight from the upstream's body and scanned in
// place: events are returned from it, not copied into a second one. It
// starts small (eventBufBytes) and grows for a larger event, up to
// maxEventBytes (gateway/buffers.go).
type sseScanner struct {
	r   io.Reader
	buf []byte // what was read; buf[off:] is not returned yet
	off int
	err error            // the read error that ends the input, once seen
	tr  providers.Stream // a translated stream's source (gateway/provider_stream.go); nil reads r
}

// scannerPool holds scanners with small buffers (gateway/buffers.go).
var scannerPool = newScannerPool()

func acquireScanner(r io.Reader) *sseScanner {
	s := scannerPool.Get().(*sseScanner)
	s.r, s.buf, s.off, s.err = r, s.buf[:0], 0, nil
	return s
}

func releaseScanner(s *sseScanner) {
	s.r = nil
	if s.tr != nil {
		s.tr.Close()
		s.tr = nil
	}
	if cap(s.buf) > maxPooledEventBuf {
		s.buf = make([]byte, 0, eventBufBytes)
	}
	scannerPool.Put(s)
}

// next returns the next complete event. At the end of input it returns any
// trailing partial event (non-empty) together with the error (io.EOF on a
// clean end).
func (s *sseScanner) next() ([]byte, error) {
	if s.tr != nil {
		return s.nextTranslated()
	}
	start, pos := s.off, s.off // the event's start; the next line's start
	for {
		for {
			i := bytes.IndexByte(s.buf[pos:], '\n')
			if i < 0 {
				break
			}
			end := pos + i + 1
			if isBlankLine(s.buf[pos:end]) {
				if pos > start {
					s.off = end
					return s.buf[start:end], nil
				}
				start = end // a stray blank line between events
			}
			pos = end
		}
		if s.err != nil {
			ev := s.buf[start:]
			s.off = len(s.buf)
			if len(bytes.TrimSpace(ev)) > 0 {
				return ev, s.err
			}
			return nil, s.err
		}
		if len(s.buf)-start >= maxEventBytes {
			s.err = errEventTooLarge
			return nil, s.err
		}
		// Keep only the event begun (usually nothing: an upstream sends
		// whole events), then read more behind it.
		n := copy(s.buf[:cap(s.buf)], s.buf[start:])
		s.buf, pos, start = s.buf[:n], pos-start, 0
		if n == cap(s.buf) {
			s.grow()
		}
		m, err := s.r.Read(s.buf[n:cap(s.buf)])
		s.buf = s.buf[:n+m]
		if err != nil {
			s.err = err // after the events the bytes read with it complete
		}
	}
}

// grow doubles the buffer for an event larger than it, up to the bound.
func (s *sseScanner) grow() {
	c := max(2*cap(s.buf), eventBufBytes)
	if c > maxEventBytes {
		c = maxEventBytes
	}
	b := make([]byte, len(s.buf), c)
	copy(b, s.buf)
	s.buf = b
}

func isBlankLine(line []byte) bool {
	return len(line) == 1 || (len(line) == 2 && line[0] == '\r')
}

var doneMarker = []byte("data: [DONE]")

// isDoneEvent reports whether ev is OpenAI's end-of-stream marker.
func isDoneEvent(ev []byte) bool {
	return bytes.HasPrefix(ev, doneMarker) || bytes.HasPrefix(ev, []byte("data:[DONE]"))
}

var errorKey = []byte(`"error"`)

// hasErrorMember reports whether an event carries a non-null "error"
// member, wherever it sits ({"id":…,"error":{…}} as OpenRouter sends) and
// however it is spaced.
func hasErrorMember(data []byte) bool { return jsonscan.HasNonNullValue(data, errorKey) }

// eventData returns the payload of an event's first "data:" line.
func eventData(ev []byte) []byte { return jsonscan.EventData(ev) }
