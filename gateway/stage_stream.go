package gateway

import (
	"io"
	"sync"

	"github.com/tollgate-ai/tollgate/health"
)

// The stages' stream filters: each event of a stream passes the entered
// stages' filters in reverse stage order, each emitting zero or more
// events into the next.
// filterChain is one stream's filters, in the order events flow (reverse
// stage order), each with its output buffer.
type filterChain struct {
	f   []StreamFilter
	out []Events
}

var filterChainPool = sync.Pool{New: func() any { return new(filterChain) }}

// streamFilters asks the entered stages for the stream filters of x.
func (s *Server) streamFilters(x *Exchange) *filterChain {
	if s.pipe.streams == nil || x.entered == 0 {
		return nil
	}
	var c *filterChain
	for _, h := range s.pipe.streams {
		if x.entered&(1<<h.i) == 0 {
			continue
		}
		f := h.h.InspectStream(View{x, h.i})
		if f == nil {
			continue
		}
		if c == nil {
			c = filterChainPool.Get().(*filterChain)
		}
		c.f = append(c.f, f)
	}
	if c != nil {
		for len(c.out) < len(c.f) {
			c.out = append(c.out, Events{})
		}
	}
	return c
}

func releaseFilterChain(c *filterChain) {
	clear(c.f)
	c.f = c.f[:0]
	for i := range c.out {
		c.out[i].reset()
		if cap(c.out[i].buf) > 1<<20 {
			c.out[i] = Events{}
		}
	}
	filterChainPool.Put(c)
}

// sendEvent sends ev to the client through the stream's filters. cut is a
// filter's error (the stream must end with it); err a failed write.
func (s *Server) sendEvent(w io.Writer, x *Exchange, cl *streamClient, ev []byte) (cut *APIError, err error) {
	if x.filters == nil {
		return nil, cl.send(w, ev)
	}
	return s.filterFrom(w, cl, x.filters, 0, ev)
}

// filterFrom passes ev through filters i, i+1, … and sends what comes out.
func (s *Server) filterFrom(w io.Writer, cl *streamClient, c *filterChain, i int, ev []byte) (*APIError, error) {
	if i == len(c.f) {
		return nil, cl.send(w, ev)
	}
	out := &c.out[i]
	out.reset()
	if e := c.f[i].Event(ev, out); e != nil {
		return s.sendBeforeCut(w, cl, c, i+1, out, e)
	}
	return s.sendAll(w, cl, c, i+1, out)
}

func (s *Server) sendAll(w io.Writer, cl *streamClient, c *filterChain, next int, out *Events) (*APIError, error) {
	for k := 0; k < out.Len(); k++ {
		if e, err := s.filterFrom(w, cl, c, next, out.At(k)); e != nil || err != nil {
			return e, err
		}
	}
	return nil, nil
}

// sendBeforeCut sends what a filter emitted in the call that cut the
// stream with e (a last chunk), then reports the cut.
func (s *Server) sendBeforeCut(w io.Writer, cl *streamClient, c *filterChain, next int, out *Events, e *APIError) (*APIError, error) {
	if cut, err := s.sendAll(w, cl, c, next, out); cut != nil || err != nil {
		return cut, err
	}
	return e, nil
}

// flushStream flushes the filters at a stream's normal end, first to last:
// what one releases still passes the filters after it.
func (s *Server) flushStream(w io.Writer, x *Exchange, cl *streamClient) (*APIError, error) {
	c := x.filters
	if c == nil {
		return nil, nil
	}
	for i, f := range c.f {
		out := &c.out[i]
		out.reset()
		if e := f.Flush(out); e != nil {
			return s.sendBeforeCut(w, cl, c, i+1, out, e)
		}
		if e, err := s.sendAll(w, cl, c, i+1, out); e != nil || err != nil {
			return e, err
		}
	}
	return nil, nil
}

// cutStream ends a stream a filter cut: the client gets the filter's error
// as an error event, and no [DONE].
func (s *Server) cutStream(w io.Writer, x *Exchange, cl *streamClient, e *APIError) {
	x.errKind, x.status = health.ErrFilter, e.Status
	_ = cl.send(w, appendErrorEvent(nil, e))
}
