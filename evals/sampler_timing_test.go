package evals

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/policy"
)

type discard struct{}

func (discard) Write([][]byte) error { return nil }
func (discard) Close() error         { return nil }

// BenchmarkSamplerSkip is an unsampled request's whole cost in the stage
// (ApplyDecision without the View's field reads): clock, stratum lookup,
// minute roll, one random draw. Rate 1 %, the stratum's floor used up.
func BenchmarkSamplerSkip(b *testing.B) {
	w := NewWriter(WriterOptions{Sink: discard{}})
	defer w.Close()
	s := NewStage(StageOptions{Config: evalsConfig(0.01, 1, 60), Writer: w})
	d := &policy.Decision{Allow: true, CacheTTLSeconds: -1}
	s.decide("acme", "gpt-4o-mini", d) // the floor's one sample
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		s.decide("acme", "gpt-4o-mini", d) // 99 % skipped
	}
	// CPU time beside wall time: on a shared machine the wall clock counts other processes' turns.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkSamplerSkipParallel is the same under contention: every
// goroutine hits one stratum's counters.
func BenchmarkSamplerSkipParallel(b *testing.B) {
	w := NewWriter(WriterOptions{Sink: discard{}})
	defer w.Close()
	s := NewStage(StageOptions{Config: evalsConfig(0.01, 0, 60), Writer: w})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.decide("acme", "gpt-4o-mini", nil)
		}
	})
}

// processCPU is the process's user+system CPU time in ns (the writer's
// goroutine is idle in the skip benchmark).
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

var chatBody = []byte(`{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"` +
	strings.Repeat("Summarise the quarterly plan for the committee. ", 20) + `"}]}`)

var answerBody = []byte(`{"id":"c","object":"chat.completion","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"` +
	strings.Repeat("The committee agreed on the plan. ", 30) + `"}}],"usage":{"prompt_tokens":250,"completion_tokens":200,"total_tokens":450}}`)

// BenchmarkSamplerSampled is a sampled buffered request's cost on the
// request path: the decision, copying the prompt text out of a 1 KB chat
// body, the answer's text out of a 1 KB answer, building the Sample and
// queueing it (the writer encodes it off the request path).
func BenchmarkSamplerSampled(b *testing.B) {
	w := NewWriter(WriterOptions{Sink: discard{}, QueueSize: 1 << 16})
	defer w.Close()
	s := NewStage(StageOptions{Config: evalsConfig(1, 0, 1<<30), Writer: w})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ok, rate := s.decide("acme", "gpt-4o-mini", nil)
		if !ok {
			b.Fatal("not sampled")
		}
		st := statePool.Get().(*reqState)
		st.rate = rate
		st.prompt, st.cut = appendPrompt(st.prompt[:0], chatBody, "chat", 16384)
		sm := &Sample{Time: time.Now(), RequestID: "req-1", Model: "gpt-4o-mini", Tenant: "acme", Prompt: string(st.prompt), SampleRate: rate}
		text, _ := appendAnswer(st.prompt[:0], answerBody, 16384)
		sm.Response = string(text)
		for !w.enqueue(record{s: sm}) {
			time.Sleep(time.Microsecond)
		}
		release(st)
	}
}

// BenchmarkWriterRecord is the writer's cost per sample, off the request
// path: scrubbing both texts with the real secret and PII detectors and
// encoding the JSON line.
func BenchmarkWriterRecord(b *testing.B) {
	sc, err := NewScrubScanner()
	if err != nil {
		b.Fatal(err)
	}
	w := &Writer{o: WriterOptions{Sink: discard{}, Scrub: sc}}
	var scr scrubber
	prompt, _ := appendPrompt(nil, chatBody, "chat", 16384)
	answer, _ := appendAnswer(nil, answerBody, 16384)
	batch := make([]record, 1)
	lines := make([][]byte, 0, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		batch[0] = record{s: &Sample{RequestID: "req-1", Model: "m", Tenant: "acme", Prompt: string(prompt), Response: string(answer)}}
		w.write(&scr, batch, lines)
	}
}
