package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MaxEvent bounds one SSE event's data: a larger one is a malformed frame.
const MaxEvent = 8 << 20

// ErrEventTooLarge is returned by SSE.Next for an event over MaxEvent.
var ErrEventTooLarge = errors.New("SSE event larger than 8 MiB")

// SSE reads the data of server-sent events from a stream. Comments, event
// names and ids are skipped: the providers put everything in data. A line
// that is bare JSON (starts with '{') counts as a data line.
type SSE struct {
	r    *bufio.Reader
	data []byte
}

// Reset starts reading r, keeping the buffers.
func (s *SSE) Reset(r io.Reader) {
	if s.r == nil {
		s.r = bufio.NewReaderSize(r, 16<<10)
	} else {
		s.r.Reset(r)
	}
	s.data = s.data[:0]
}

// Next returns the next event's data (data lines joined by '\n'), valid
// until the next call. io.EOF after the last event; a stream that ends
// inside an event yields that event first.
func (s *SSE) Next() ([]byte, error) {
	s.data = s.data[:0]
	have := false
	for {
		line, err := s.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// a long line: gather it whole
			long := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				if len(long) > MaxEvent {
					return nil, ErrEventTooLarge
				}
				line, err = s.r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if have {
				return s.data, nil
			}
			if err == io.EOF {
				return nil, io.EOF
			}
			continue
		}
		v, ok := bytes.CutPrefix(line, []byte("data:"))
		if ok && len(v) > 0 && v[0] == ' ' {
			v = v[1:]
		}
		if !ok && line[0] == '{' {
			// a bare JSON line: Google sends a mid-stream error this way
			// (its SDKs parse it), and no SSE field starts with '{'
			v, ok = line, true
		}
		if ok {
			if have {
				s.data = append(s.data, '\n')
			}
			if len(s.data)+len(v) > MaxEvent {
				return nil, ErrEventTooLarge
			}
			s.data = append(s.data, v...)
			have = true
		}
		if err == io.EOF {
			if have {
				return s.data, nil
			}
			return nil, io.EOF
		}
	}
}
