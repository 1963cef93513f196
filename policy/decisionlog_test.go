package policy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDecisionLogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "decisions.jsonl")
	e, err := Open(Options{Dir: examplesDir, PollInterval: -1, Logger: quietLogger(), Timeout: 10 * time.Second,
		DecisionLog: DecisionLogOptions{Path: path, SampleRate: 1}})
	if err != nil {
		t.Fatal(err)
	}
	in := typicalInput()
	const n = 20
	for i := range n {
		in.Findings[0].Score = 0.1
		if i%2 == 1 {
			in.Findings[0].Score = 0.99 // denied
		}
		e.Decide(context.Background(), in)
	}
	e.Close() // drains the queue
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	lines, denied := 0, 0
	ids := map[string]bool{}
	for sc.Scan() {
		lines++
		raw := sc.Text()
		var rec struct {
			DecisionID string         `json:"decision_id"`
			Timestamp  time.Time      `json:"timestamp"`
			Path       string         `json:"path"`
			Revision   string         `json:"revision"`
			Input      map[string]any `json:"input"`
			Result     map[string]any `json:"result"`
			Metrics    map[string]int64
		}
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			t.Fatalf("line %d: %v: %s", lines, err, raw)
		}
		if len(rec.DecisionID) != 36 || ids[rec.DecisionID] || rec.Timestamp.IsZero() || rec.Path != "tollgate/decision" ||
			rec.Revision != e.Status().Revision || rec.Metrics["timer_rego_query_eval_ns"] <= 0 || rec.Input["phase"] != "request" {
			t.Fatalf("line %d: bad record %s", lines, raw)
		}
		ids[rec.DecisionID] = true
		if rec.Result["allow"] == false {
			denied++
		}
		if strings.Contains(raw, "user-42") || strings.Contains(raw, "support-bot") {
			t.Fatalf("line %d: client strings not hashed: %s", lines, raw)
		}
		req := rec.Input["request"].(map[string]any)
		if !strings.HasPrefix(req["user"].(string), "sha256:") {
			t.Fatalf("line %d: user %v", lines, req["user"])
		}
	}
	if lines != n || denied != n/2 {
		t.Fatalf("%d lines, %d denied; want %d and %d", lines, denied, n, n/2)
	}
}

func TestDecisionLogSampling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.jsonl")
	e, err := Open(Options{Dir: examplesDir, PollInterval: -1, Logger: quietLogger(), Timeout: 10 * time.Second,
		DecisionLog: DecisionLogOptions{Path: path, SampleRate: 0.1, QueueSize: 10000}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	for range n {
		e.Decide(context.Background(), typicalInput())
	}
	e.Close()
	b, _ := os.ReadFile(path)
	lines := strings.Count(string(b), "\n")
	// Binomial(2000, 0.1): mean 200, sd ~13.4; ±10 sd never fails by chance.
	if lines < 66 || lines > 334 {
		t.Fatalf("sample rate 0.1 logged %d of %d", lines, n)
	}
	if _, err := Open(Options{Dir: examplesDir, DecisionLog: DecisionLogOptions{Path: path, SampleRate: 2}}); err == nil {
		t.Fatal("sample rate 2 accepted")
	}
}

// blockingWriter blocks every Write until released, then keeps what it got.
type blockingWriter struct {
	release chan struct{}
	got     *bytes.Buffer
}

func (w blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	return w.got.Write(p)
}

func TestDecisionLogDropsCounted(t *testing.T) {
	w := blockingWriter{release: make(chan struct{}), got: &bytes.Buffer{}}
	dl := &decisionLog{rate: 1, queue: make(chan logEntry, 2), out: w, close: func() error { return nil }, log: quietLogger()}
	dl.done.Add(1)
	go dl.run()
	in := newTermCache(nil, nil).inputValue(typicalInput())
	before := decisionLogDrop.Get()
	const n = 50
	for range n {
		dl.add(logEntry{at: time.Now(), input: in})
	}
	dropped := int(decisionLogDrop.Get() - before)
	close(w.release)
	dl.stop()
	written := strings.Count(w.got.String(), "\n")
	// The queue holds 2 and the blocked writer a few (its 4 KiB buffer):
	// most entries are dropped, and every entry is either written or counted.
	if dropped < n/2 || written+dropped != n {
		t.Fatalf("%d entries: %d written, %d counted as dropped", n, written, dropped)
	}
}

var _ io.Writer = blockingWriter{}
