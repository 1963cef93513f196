package gateway

import (
	"bufio"
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
type sseScanner struct {
	br  *bufio.Reader
	ev  []byte
	err error
	tr  providers.Stream // a translated stream's source (gateway/provider_stream.go); nil reads br
}

// scannerPool holds scanners with small buffers (gateway/buffers.go).
var scannerPool = newScannerPool()

func acquireScanner(r io.Reader) *sseScanner {
	s := scannerPool.Get().(*sseScanner)
	s.br.Reset(r)
	s.ev, s.err = s.ev[:0], nil
	return s
}

func releaseScanner(s *sseScanner) {
	s.br.Reset(nil)
	if s.tr != nil {
		s.tr.Close()
		s.tr = nil
	}
	if cap(s.ev) > 1<<20 {
		s.ev = make([]byte, 0, eventBufBytes)
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
	if s.err != nil {
		return nil, s.err
	}
	s.ev = s.ev[:0]
	// inLine: the previous read ended inside a line (a line longer than the
	// buffer comes back in pieces), so what follows is that line's tail,
	// never a blank line, even when it is just "\n" or "\r\n".
	inLine := false
	for {
		line, err := s.br.ReadSlice('\n')
		if len(line) > 0 {
			if len(s.ev)+len(line) > maxEventBytes {
				s.err = errEventTooLarge
				return nil, s.err
			}
			s.ev = append(s.ev, line...)
			if err == nil && !inLine && isBlankLine(line) {
				if len(s.ev) == len(line) { // stray blank line between events
					s.ev = s.ev[:0]
					continue
				}
				return s.ev, nil
			}
		}
		switch err {
		case nil:
			inLine = false
		case bufio.ErrBufferFull:
			inLine = true
		default:
			s.err = err
			if len(bytes.TrimSpace(s.ev)) > 0 {
				return s.ev, err
			}
			return nil, err
		}
	}
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
