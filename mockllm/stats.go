package mockllm

import (
	"sync/atomic"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
)

// Stats is a snapshot of the server's counters.
type Stats struct {
	Requests         int64 // every request the handler saw
	InFlight         int64 // requests not finished yet, streams included until their last byte
	Streams          int64 // streaming responses started
	StreamsCompleted int64 // streams that sent [DONE]
	StreamsCancelled int64 // streams whose client went away mid-stream
	StreamsAborted   int64 // responses broken on purpose by x-mock-fail-after (streams and JSON)
	ErrorsInjected   int64 // error responses from ErrorRate / x-mock-error-rate
	BadRequests      int64 // 4xx answers to invalid requests (bad JSON, missing fields, bad knobs, unknown routes)
	Garbage          int64 // non-JSON answers from x-mock-garbage
	GateTimeouts     int64 // gate waits that gave up after 30 s
}

type counters struct {
	requests, inFlight, streams, streamsCompleted, streamsCancelled, streamsAborted atomic.Int64
	errorsInjected, badRequests, garbage, gateTimeouts                              atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Requests:         c.requests.Load(),
		InFlight:         c.inFlight.Load(),
		Streams:          c.streams.Load(),
		StreamsCompleted: c.streamsCompleted.Load(),
		StreamsCancelled: c.streamsCancelled.Load(),
		StreamsAborted:   c.streamsAborted.Load(),
		ErrorsInjected:   c.errorsInjected.Load(),
		BadRequests:      c.badRequests.Load(),
		Garbage:          c.garbage.Load(),
		GateTimeouts:     c.gateTimeouts.Load(),
	}
}

// appendStatsJSON renders s for GET /_mock/stats, so a load runner in another process can read the counters.
func appendStatsJSON(dst []byte, s Stats) []byte {
	fields := [...]struct {
		name string
		v    int64
	}{
		{"requests", s.Requests}, {"in_flight", s.InFlight}, {"streams", s.Streams},
		{"streams_completed", s.StreamsCompleted}, {"streams_cancelled", s.StreamsCancelled},
		{"streams_aborted", s.StreamsAborted}, {"errors_injected", s.ErrorsInjected},
		{"bad_requests", s.BadRequests}, {"garbage", s.Garbage}, {"gate_timeouts", s.GateTimeouts},
	}
	dst = append(dst, '{')
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.String(dst, f.name)
		dst = append(dst, ':')
		dst = appendInt(dst, int(f.v))
	}
	return append(dst, '}')
}
