package evals

import (
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/tollgate-ai/tollgate/health"
)

// Sink stores encoded records (one JSON object each, no newline). Write is
// called from one goroutine; an error loses the batch (counted).
type Sink interface {
	Write(lines [][]byte) error
	Close() error
}

var (
	droppedSamples = metrics.NewCounter(`tollgate_queue_dropped_total{queue="samples"}`)
	writtenSamples = metrics.NewCounter(`tollgate_evals_records_written_total`)
	sinkErrors     = metrics.NewCounter(`tollgate_evals_sink_errors_total`)
)

// record is one queued sample or feedback.
type record struct {
	s *Sample
	f *Feedback
}

// WriterOptions build a Writer.
type WriterOptions struct {
	Sink      Sink
	QueueSize int // default 1024
	// Scrub, when set, finds secrets and PII in sample text, which is
	// replaced by [kind] before it is written: a second line of defence
	// behind the filters' redaction (which covers only the kinds the policy
	// redacts, and runs on a stream's text after this stage saw it).
	Scrub  Scanner
	Logger *slog.Logger
	// Alert raises and resolves TollgateEvalsSamplesDropped when records
	// are lost AlertAfter checks in a row (every CheckEvery, default 10s;
	// AlertAfter default 3). nil: no alerts.
	Alert      func(health.Alert)
	CheckEvery time.Duration
	AlertAfter int
	// OnSample, when set, sees each sample after scrubbing, on the
	// writer's goroutine (the drift monitor's feed); it must not block.
	OnSample func(*Sample)
	// OnFeedback, when set, sees each feedback record the same way (the
	// drift monitor's feedback_score feature); it must not block.
	OnFeedback func(*Feedback)
}

// Writer moves records from the request path to a Sink through a bounded
// queue, off the request path: one goroutine encodes, scrubs and writes in
// batches. A full queue or a failing sink drops records, counted in
// tollgate_queue_dropped_total{queue="samples"}, logged at most every 10s,
// and alerted when it lasts.
type Writer struct {
	o        WriterOptions
	q        chan record
	done     chan struct{}
	stop     chan struct{}
	wg       sync.WaitGroup
	dropped  atomic.Int64
	written  atomic.Int64
	lastWarn atomic.Int64
	firing   atomic.Bool
	closed   sync.Once
}

// NewWriter starts the writer's goroutines.
func NewWriter(o WriterOptions) *Writer {
	if o.QueueSize <= 0 {
		o.QueueSize = 1024
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = 10 * time.Second
	}
	if o.AlertAfter <= 0 {
		o.AlertAfter = 3
	}
	w := &Writer{o: o, q: make(chan record, o.QueueSize), done: make(chan struct{}), stop: make(chan struct{})}
	w.wg.Add(1)
	go w.run()
	if o.Alert != nil {
		w.wg.Add(1)
		go w.watch()
	}
	return w
}

// Dropped is the number of records lost so far (queue full, sink failed).
func (w *Writer) Dropped() int64 { return w.dropped.Load() }

// Written is the number of records the sink took.
func (w *Writer) Written() int64 { return w.written.Load() }

// Queued is the number of records waiting.
func (w *Writer) Queued() int { return len(w.q) }

// enqueue never blocks: a full queue drops the record.
func (w *Writer) enqueue(r record) bool {
	select {
	case w.q <- r:
		return true
	default:
		w.drop(1, "queue full")
		return false
	}
}

func (w *Writer) drop(n int, why string) {
	droppedSamples.Add(n)
	total := w.dropped.Add(int64(n))
	now := time.Now().UnixNano()
	last := w.lastWarn.Load()
	if now-last >= int64(10*time.Second) && w.lastWarn.CompareAndSwap(last, now) {
		w.o.Logger.Warn("evals: samples dropped", "reason", why, "dropped_total", total)
	}
}

const maxBatch = 256

func (w *Writer) run() {
	defer w.wg.Done()
	batch := make([]record, 0, maxBatch)
	lines := make([][]byte, 0, maxBatch)
	var sc scrubber
	for {
		select {
		case r := <-w.q:
			batch = w.fill(append(batch[:0], r))
			w.write(&sc, batch, lines)
		case <-w.done: // write out what is queued, then stop
			for {
				if batch = w.fill(batch[:0]); len(batch) == 0 {
					return
				}
				w.write(&sc, batch, lines)
			}
		}
	}
}

// fill adds what is queued to batch, up to maxBatch, without waiting.
func (w *Writer) fill(batch []record) []record {
	for len(batch) < maxBatch {
		select {
		case r := <-w.q:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (w *Writer) write(sc *scrubber, batch []record, lines [][]byte) {
	lines = lines[:0]
	for _, r := range batch {
		var b []byte
		var err error
		if r.s != nil {
			if w.o.Scrub != nil {
				r.s.Prompt = sc.scrub(w.o.Scrub, r.s.Prompt)
				r.s.Response = sc.scrub(w.o.Scrub, r.s.Response)
			}
			if w.o.OnSample != nil {
				w.o.OnSample(r.s)
			}
			b, err = json.Marshal(r.s)
		} else {
			if w.o.OnFeedback != nil {
				w.o.OnFeedback(r.f)
			}
			b, err = json.Marshal(r.f)
		}
		if err != nil {
			w.drop(1, "encode: "+err.Error())
			continue
		}
		lines = append(lines, b)
	}
	if len(lines) == 0 {
		return
	}
	if err := w.o.Sink.Write(lines); err != nil {
		sinkErrors.Inc()
		w.drop(len(lines), "sink: "+err.Error())
		return
	}
	writtenSamples.Add(len(lines))
	w.written.Add(int64(len(lines)))
}

// watch raises the drop alert after AlertAfter checks in a row that lost
// records, and resolves it after as many clean ones.
func (w *Writer) watch() {
	defer w.wg.Done()
	t := time.NewTicker(w.o.CheckEvery)
	defer t.Stop()
	last, bad, good := w.dropped.Load(), 0, 0
	for {
		select {
		case <-t.C:
		case <-w.stop:
			return
		}
		n := w.dropped.Load()
		if n > last {
			bad, good = bad+1, 0
		} else {
			bad, good = 0, good+1
		}
		if bad >= w.o.AlertAfter && !w.firing.Load() {
			w.firing.Store(true)
			w.o.Alert(dropAlert(false, n))
		}
		if good >= w.o.AlertAfter && w.firing.Load() {
			w.firing.Store(false)
			w.o.Alert(dropAlert(true, n))
		}
		last = n
	}
}

func dropAlert(resolved bool, total int64) health.Alert {
	return health.Alert{Name: "TollgateEvalsSamplesDropped", Severity: "warning", Resolved: resolved,
		Labels: map[string]string{"queue": "samples"},
		Annotations: map[string]string{
			"summary":     "eval samples are being dropped (queue full or sink failing)",
			"description": "tollgate_queue_dropped_total{queue=\"samples\"} keeps rising; total so far " + itoa(total),
		}}
}

// Close stops taking records, writes what is queued, and closes the sink.
func (w *Writer) Close() error {
	var err error
	w.closed.Do(func() {
		close(w.stop)
		close(w.done)
		w.wg.Wait()
		err = w.o.Sink.Close()
	})
	return err
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
