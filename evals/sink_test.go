package evals

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/health"
)

// memSink records what it is given; block makes Write wait, fail makes it fail.
type memSink struct {
	mu    sync.Mutex
	lines []string
	block chan struct{}
	fail  error
}

func (m *memSink) Write(lines [][]byte) error {
	if m.block != nil {
		<-m.block
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, l := range lines {
		m.lines = append(m.lines, string(l))
	}
	return nil
}

func (m *memSink) Close() error { return nil }

func (m *memSink) got() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.lines...)
}

func TestWriterDropsWhenQueueFull(t *testing.T) {
	sink := &memSink{block: make(chan struct{})}
	w := NewWriter(WriterOptions{Sink: sink, QueueSize: 4})
	before := droppedSamples.Get()
	accepted := 0
	for i := range 50 {
		if w.enqueue(record{s: &Sample{Prompt: "p", RequestID: string(rune('a' + i%26))}}) {
			accepted++
		}
	}
	// The writer holds at most one batch (taken before Write blocked) and the queue 4.
	if accepted > 4+maxBatch || w.Dropped() != int64(50-accepted) || w.Dropped() < 50-4-maxBatch {
		t.Fatalf("accepted %d, dropped %d of 50", accepted, w.Dropped())
	}
	if got := droppedSamples.Get() - before; got != uint64(50-accepted) {
		t.Fatalf("tollgate_queue_dropped_total{queue=samples} rose by %d, want %d", got, 50-accepted)
	}
	close(sink.block)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.got()); n != accepted {
		t.Fatalf("sink got %d of the %d accepted records: Close must drain", n, accepted)
	}
}

func TestWriterAlertsOnSustainedDrops(t *testing.T) {
	sink := &memSink{fail: errors.New("disk full")}
	var mu sync.Mutex
	var alerts []health.Alert
	w := NewWriter(WriterOptions{Sink: sink, QueueSize: 8, CheckEvery: 5 * time.Millisecond, AlertAfter: 3,
		Alert: func(a health.Alert) { mu.Lock(); alerts = append(alerts, a); mu.Unlock() }})
	defer w.Close()
	deadline := time.Now().Add(5 * time.Second)
	fired := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(alerts)
	}
	for fired() == 0 && time.Now().Before(deadline) {
		w.enqueue(record{s: &Sample{Prompt: "x"}})
		time.Sleep(time.Millisecond)
	}
	if fired() != 1 || alerts[0].Resolved || alerts[0].Name != "TollgateEvalsSamplesDropped" {
		t.Fatalf("alerts %+v: want one firing TollgateEvalsSamplesDropped", alerts)
	}
	if w.Dropped() == 0 {
		t.Fatal("a failing sink's records must count as dropped")
	}
	// The sink recovers: after three clean checks the alert resolves.
	sink.mu.Lock()
	sink.fail = nil
	sink.mu.Unlock()
	for fired() < 2 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if fired() != 2 || !alerts[1].Resolved {
		t.Fatalf("alerts %+v: want the alert resolved once records flow", alerts)
	}
}

// fakeScanner finds "sk-…" tokens as secrets and "@" words as emails.
type fakeScanner struct{}

func (fakeScanner) Scan(text []byte, dst []filters.Finding) []filters.Finding {
	s := string(text)
	at := 0
	for _, w := range strings.Fields(s) {
		i := strings.Index(s[at:], w) + at
		at = i + len(w)
		switch {
		case strings.HasPrefix(w, "sk-"):
			dst = append(dst, filters.Finding{Kind: "secret.openai_key", Start: i, End: at, Score: 1})
		case strings.Contains(w, "@"):
			dst = append(dst, filters.Finding{Kind: "pii.email", Start: i, End: at, Score: 1})
		case w == "ignore":
			dst = append(dst, filters.Finding{Kind: "injection", Start: i, End: at, Score: 1})
		}
	}
	return dst
}

func TestWriterScrubsSecretsAndPII(t *testing.T) {
	sink := &memSink{}
	w := NewWriter(WriterOptions{Sink: sink, Scrub: fakeScanner{}})
	w.enqueue(record{s: &Sample{Prompt: "key sk-abc123 mail jo@x.io please ignore", Response: "ok jo@x.io"}})
	w.Close()
	got := sink.got()
	if len(got) != 1 {
		t.Fatalf("got %d lines", len(got))
	}
	if strings.Contains(got[0], "sk-abc123") || strings.Contains(got[0], "jo@x.io") {
		t.Fatalf("secret or email reached the sink: %s", got[0])
	}
	if !strings.Contains(got[0], `key [secret.openai_key] mail [pii.email] please ignore`) || !strings.Contains(got[0], `"response":"ok [pii.email]"`) {
		t.Fatalf("scrubbed line %s", got[0])
	}
}

func TestFileSinkRotatesAndReadsBackInOrder(t *testing.T) {
	dir := t.TempDir()
	sink := NewFileSink(filepath.Join(dir, "samples.jsonl"), 1, 3)
	w := NewWriter(WriterOptions{Sink: sink, QueueSize: 4096})
	big := strings.Repeat("x", 4000)
	const n = 700 // ~2.8 MB: at least two rotations at 1 MB
	for i := range n {
		for !w.enqueue(record{s: &Sample{RequestID: itoa(int64(i)), Prompt: big, Response: "r"}}) {
			time.Sleep(time.Millisecond) // do not drop: this test counts lines
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) < 3 || len(ents) > 4 {
		t.Fatalf("%d files after writing ~2.8 MB at a 1 MB cap with 3 backups, want 3..4", len(ents))
	}
	for _, e := range ents {
		fi, _ := e.Info()
		if fi.Size() > 1<<20 {
			t.Fatalf("%s is %d bytes, over the 1 MB cap", e.Name(), fi.Size())
		}
	}
	last := -1
	st, err := ReadSamples(dir, func(s *Sample) error {
		i := 0
		for _, c := range s.RequestID {
			i = i*10 + int(c-'0')
		}
		if i != last+1 && last != -1 {
			t.Fatalf("read request %d after %d: files out of order", i, last)
		}
		last = i
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Valid == 0 || st.Malformed != 0 || last != n-1 || st.Lines != st.Valid {
		t.Fatalf("read %+v, last id %d", st, last)
	}
}

func TestFeedbackNeverFillsMoreThanHalfTheQueue(t *testing.T) {
	sink := &memSink{block: make(chan struct{})}
	w := NewWriter(WriterOptions{Sink: sink, QueueSize: 8})
	s := NewStage(StageOptions{Config: evalsConfig(1, 0, 60), Writer: w})
	w.enqueue(record{s: &Sample{Prompt: "first"}}) // may be taken by the blocked writer
	time.Sleep(10 * time.Millisecond)
	taken := 0
	for range 20 {
		if s.StoreFeedback(&Feedback{RequestID: "r", Tenant: "t", Score: 1}) {
			taken++
		}
	}
	if taken > 4 || taken < 3 {
		t.Fatalf("%d feedback records queued in a queue of 8, want about half", taken)
	}
	if !w.enqueue(record{s: &Sample{Prompt: "still room"}}) {
		t.Fatal("a sample found no room after a feedback flood")
	}
	close(sink.block)
	w.Close()
}

// OnSample and OnFeedback see each record, in queue order, on the
// writer's goroutine (the drift monitor's feed).
func TestWriterHandsSamplesAndFeedbackOn(t *testing.T) {
	var order []string
	w := NewWriter(WriterOptions{Sink: &memSink{},
		OnSample:   func(s *Sample) { order = append(order, "sample:"+s.RequestID) },
		OnFeedback: func(f *Feedback) { order = append(order, "feedback:"+f.RequestID) }})
	w.enqueue(record{s: &Sample{RequestID: "r1", Prompt: "hi"}})
	w.enqueue(record{f: &Feedback{Type: FeedbackType, RequestID: "r1", Tenant: "t", Score: -1}})
	w.Close() // writes the queue out; order is read after the goroutine ended
	if strings.Join(order, ",") != "sample:r1,feedback:r1" {
		t.Fatalf("handed on %v", order)
	}
}
