package health

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingWriter records what reaches the underlying writer, and in how
// many writes.
type countingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.buf.Write(p)
}

func (c *countingWriter) snapshot() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String(), c.writes
}

func TestBufferedWriterBatchesLinesAndFlushesOnClose(t *testing.T) {
	under := &countingWriter{}
	b := NewBufferedWriter(under, time.Hour) // no periodic flush in this test
	l := NewAccessLogger(b)
	for i := 0; i < 100; i++ {
		l.Log(&AccessEntry{RequestID: "r", Status: 200})
	}
	if _, n := under.snapshot(); n != 0 {
		t.Fatalf("%d writes reached the file before any flush; want 0 (batched)", n)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	got, n := under.snapshot()
	if lines := strings.Count(got, "\n"); lines != 100 || n != 1 {
		t.Fatalf("after Close: %d lines in %d writes; want 100 lines in 1 write", lines, n)
	}
}

func TestBufferedWriterFlushesPeriodically(t *testing.T) {
	under := &countingWriter{}
	b := NewBufferedWriter(under, 10*time.Millisecond)
	defer b.Close()
	if _, err := b.Write([]byte("line\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := under.snapshot(); got == "line\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a buffered line was not flushed within 5s by the periodic flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
