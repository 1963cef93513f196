package providertest

import (
	"bytes"
	"io"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
)

// BenchStreamEvent measures one upstream event (frame) to one chunk: a
// stream of perStream copies of frame is read chunk by chunk and
// restarted when done, so stream setup is spread thin; it reports
// allocations, bytes per event and cpu-ns/op.
func BenchStreamEvent(b *testing.B, newStream func(io.Reader) providers.Stream, frame []byte, perStream int) {
	body := bytes.Repeat(frame, perStream)
	r := bytes.NewReader(body)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	s := newStream(r)
	n := 0
	cpu := CPUTime()
	for b.Loop() {
		if n == perStream {
			s.Close()
			r.Reset(body)
			s = newStream(r)
			n = 0
		}
		if _, err := s.Next(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	ReportCPU(b, cpu)
	s.Close()
}

// BenchTranslateResponse measures p's translation of one upstream answer
// body for c into dst (its capacity kept between rounds), reporting
// allocations and cpu-ns/op.
func BenchTranslateResponse(b *testing.B, p providers.Provider, dst, body []byte, c *providers.Call) {
	b.ReportAllocs()
	cpu := CPUTime()
	for b.Loop() {
		var err error
		if dst, err = p.TranslateResponse(dst[:0], body, c); err != nil {
			b.Fatal(err)
		}
	}
	ReportCPU(b, cpu)
}
