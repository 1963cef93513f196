package policy

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	randv2 "math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// DecisionLogOptions configures the decision log.
type DecisionLogOptions struct {
	Path       string  // "" = off, "-" = stdout, else a file (appended)
	SampleRate float64 // 0..1 share of decisions logged; 0 = 1 when Path is set
	QueueSize  int     // bounded queue; full = dropped and counted; default 1024
}

// logEntry is what Decide hands the writer goroutine. The ast values are
// immutable, so no copy is needed.
type logEntry struct {
	at       time.Time
	revision string
	input    ast.Value
	result   ast.Value // nil on error
	err      string
	evalNs   int64
}

// decisionLog writes OPA-shaped decision log lines from a bounded queue.
type decisionLog struct {
	rate  float64
	queue chan logEntry
	out   io.Writer
	close func() error
	log   *slog.Logger
	done  sync.WaitGroup
}

func newDecisionLog(o DecisionLogOptions, log *slog.Logger) (*decisionLog, error) {
	if o.Path == "" {
		return nil, nil
	}
	if o.SampleRate < 0 || o.SampleRate > 1 {
		return nil, fmt.Errorf("policy decision log: sample_rate %v is outside [0,1]", o.SampleRate)
	}
	dl := &decisionLog{rate: o.SampleRate, log: log}
	if dl.rate == 0 {
		dl.rate = 1
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 1024
	}
	dl.queue = make(chan logEntry, o.QueueSize)
	if o.Path == "-" {
		dl.out, dl.close = os.Stdout, func() error { return nil }
	} else {
		f, err := os.OpenFile(o.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, fmt.Errorf("policy decision log: %w", err)
		}
		dl.out, dl.close = f, f.Close
	}
	dl.done.Add(1)
	go dl.run()
	return dl, nil
}

// add enqueues e if sampled; never blocks, counts drops.
func (dl *decisionLog) add(e logEntry) {
	if dl.rate < 1 && randv2.Float64() >= dl.rate {
		return
	}
	select {
	case dl.queue <- e:
	default:
		decisionLogDrop.Inc()
	}
}

func (dl *decisionLog) run() {
	defer dl.done.Done()
	w := bufio.NewWriter(dl.out)
	enc := json.NewEncoder(w)
	for e := range dl.queue {
		if err := enc.Encode(e.record()); err != nil {
			decisionLogDrop.Inc()
			dl.log.Warn("policy decision log write failed", "err", err)
		}
		if len(dl.queue) == 0 {
			if err := w.Flush(); err != nil {
				dl.log.Warn("policy decision log flush failed", "err", err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		dl.log.Warn("policy decision log flush failed", "err", err)
	}
}

// stop drains the queue and closes the output.
func (dl *decisionLog) stop() {
	close(dl.queue)
	dl.done.Wait()
	if err := dl.close(); err != nil {
		dl.log.Warn("policy decision log close failed", "err", err)
	}
}

// decisionRecord mirrors OPA's decision log event fields we can fill.
type decisionRecord struct {
	DecisionID string           `json:"decision_id"`
	Timestamp  string           `json:"timestamp"`
	Path       string           `json:"path"`
	Revision   string           `json:"revision"`
	Input      any              `json:"input"`
	Result     any              `json:"result,omitempty"`
	Error      string           `json:"error,omitempty"`
	Metrics    map[string]int64 `json:"metrics"`
}

func (e *logEntry) record() decisionRecord {
	r := decisionRecord{
		DecisionID: newDecisionID(),
		Timestamp:  e.at.UTC().Format(time.RFC3339Nano),
		Path:       "tollgate/decision",
		Revision:   e.revision,
		Error:      e.err,
		Metrics:    map[string]int64{"timer_rego_query_eval_ns": e.evalNs},
	}
	if in, err := ast.JSON(e.input); err == nil {
		r.Input = scrubInput(in)
	}
	if e.result != nil {
		r.Result, _ = ast.JSON(e.result)
	}
	return r
}

// scrubInput replaces free-form client strings (request.user, request.metadata
// values) with hashes: the log keeps only counts, ids and hashes.
func scrubInput(in any) any {
	doc, _ := in.(map[string]any)
	req, _ := doc["request"].(map[string]any)
	if u, ok := req["user"].(string); ok && u != "" {
		req["user"] = hashString(u)
	}
	if md, ok := req["metadata"].(map[string]any); ok {
		for k, v := range md {
			if s, ok := v.(string); ok {
				md[k] = hashString(s)
			}
		}
	}
	return in
}

func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// newDecisionID is a random UUIDv4-shaped id, as OPA uses.
func newDecisionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
