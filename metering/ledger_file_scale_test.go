package metering

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestLedgerFileRotatesPerDayAndSize(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 16 << 10
	l := openTestLedger(t, LedgerOptions{Dir: dir, FileMaxBytes: maxBytes})
	const n = 1500 // a record a minute from 09:30: two days
	for i := range n {
		l.Add(sampleRecord(i))
	}
	closeLedger(t, l)
	names, err := listDayFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]int{}
	for _, name := range names {
		day, _, _ := parseDayFileName(name)
		days[day]++
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > maxBytes {
			t.Errorf("%s is %d bytes; rotation is at %d", name, st.Size(), maxBytes)
		}
		readRecordFile(filepath.Join(dir, name), quietLog(), func(r *Record) error {
			if got := r.Time.Format(time.DateOnly); got != day {
				t.Errorf("%s holds a record of %s", name, got)
			}
			return nil
		})
	}
	if len(days) != 2 || days["2026-03-14"] < 2 || days["2026-03-15"] < 2 {
		t.Fatalf("files per day %v (%v); want two days, each rotated by size", days, names)
	}
	seen := map[string]bool{}
	if _, _, err := ReadLedger(dir, time.Time{}, time.Time{}, func(r *Record) error {
		if seen[r.RequestID] {
			t.Errorf("%s read twice", r.RequestID)
		}
		seen[r.RequestID] = true
		return nil
	}); err != nil || len(seen) != n {
		t.Fatalf("ReadLedger: %d records, err %v; want %d", len(seen), err, n)
	}
	// A later start appends to the day's last file, not a new one.
	l = openTestLedger(t, LedgerOptions{Dir: dir, FileMaxBytes: maxBytes})
	l.Add(sampleRecord(n))
	closeLedger(t, l)
	after, _ := listDayFiles(dir)
	if len(after) != len(names) {
		t.Errorf("files %d → %d after one more record", len(names), len(after))
	}
}

// openCounting opens a ledger on dir with a log that tells how many records the start read.
func openCounting(t *testing.T, dir string, opts LedgerOptions) (*Ledger, int) {
	t.Helper()
	var buf bytes.Buffer
	opts.Dir = dir
	opts.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	l := openTestLedger(t, opts)
	m := regexp.MustCompile(`records_read=(\d+)`).FindStringSubmatch(buf.String())
	if m == nil {
		t.Fatalf("no records_read in the start log: %s", buf.String())
	}
	n, _ := strconv.Atoi(m[1])
	return l, n
}

func TestLedgerFileStartReadsOnlyTheTailPastTheCheckpoint(t *testing.T) {
	dir := t.TempDir()
	l := openTestLedger(t, LedgerOptions{Dir: dir})
	for i := range 500 {
		l.Add(sampleRecord(i))
	}
	closeLedger(t, l) // checkpoints

	// Records written after the last checkpoint, then a crash (no close, no checkpoint).
	s, err := openFileStore(dir, fileStoreOptions{}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	var tail []*Record
	for i := 500; i < 520; i++ {
		r := sampleRecord(i)
		r.normalize()
		tail = append(tail, r)
	}
	if err := s.write(context.Background(), tail); err != nil {
		t.Fatal(err)
	}
	s.files.close()

	l, read := openCounting(t, dir, LedgerOptions{})
	if read != 20 {
		t.Errorf("start read %d records; want only the 20 past the checkpoint", read)
	}
	rows, _ := l.Query(context.Background(), wholeDay())
	if got, want := sumTotals(rows), expectedTotals(520); got != want {
		t.Fatalf("totals %+v; want %+v", got, want)
	}
	closeLedger(t, l)
	l, read = openCounting(t, dir, LedgerOptions{})
	closeLedger(t, l)
	if read != 0 {
		t.Errorf("start after a clean close read %d records; want 0", read)
	}

	// A checkpoint that does not match the files (a file cut shorter) is dropped: all is read again.
	names, _ := listDayFiles(dir)
	path := filepath.Join(dir, names[len(names)-1])
	b, _ := os.ReadFile(path)
	cut := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
	if err := os.WriteFile(path, b[:cut], 0o600); err != nil {
		t.Fatal(err)
	}
	wantFullRead(t, dir, "after a file was cut", 519)

	// A damaged checkpoint is refused the same way.
	if err := os.WriteFile(filepath.Join(dir, checkpointFile), []byte(checkpointHeader+"\na 1 \"x\" 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantFullRead(t, dir, "after a damaged checkpoint", 519)
}

// wantFullRead opens the ledger in dir and checks that its start read every one of the n records.
func wantFullRead(t *testing.T, dir, when string, n int) {
	t.Helper()
	l, read := openCounting(t, dir, LedgerOptions{})
	rows, _ := l.Query(context.Background(), wholeDay())
	closeLedger(t, l)
	if got := sumTotals(rows).Requests; read != n || got != int64(n) {
		t.Errorf("%s: read %d, counted %d; want %d of each", when, read, got, n)
	}
}

// Day files past FileRetention are deleted; their aggregates stay (checkpointed), so usage still answers.
func TestLedgerFileRetentionKeepsAggregates(t *testing.T) {
	dir := t.TempDir()
	l := openTestLedger(t, LedgerOptions{Dir: dir})
	for i := range 100 {
		l.Add(sampleRecord(i))
	}
	closeLedger(t, l)
	keep := time.Since(testDay) - 24*time.Hour // testDay's files are past it, today's are not
	// Without a checkpoint (lost, or a ledger from before checkpoints) the files are aggregated and
	// checkpointed before any is deleted.
	if err := os.Remove(filepath.Join(dir, checkpointFile)); err != nil {
		t.Fatal(err)
	}
	l = openTestLedger(t, LedgerOptions{Dir: dir, FileRetention: keep})
	r := sampleRecord(7)
	r.Time, r.RequestID = time.Now(), "today"
	l.Add(r)
	closeLedger(t, l)
	names, _ := listDayFiles(dir)
	if len(names) != 1 || names[0] != dayFileName(time.Now().UTC().Format(time.DateOnly), 0) {
		t.Fatalf("files after retention: %v; want today's only", names)
	}
	l = openTestLedger(t, LedgerOptions{Dir: dir, FileRetention: keep})
	defer closeLedger(t, l)
	rows, _ := l.Query(context.Background(), wholeDay())
	if got, want := sumTotals(rows), expectedTotals(100); got != want {
		t.Fatalf("usage of the deleted days: %+v; want %+v", got, want)
	}
}

// BenchmarkLedgerStart1M measures the embedded ledger's start on 1M records (30 days, 20 tenants,
// 200 keys, 4 models): reading every file (no checkpoint: how every start worked before) against the
// checkpoint (a clean shutdown's; a crash adds the tail written since the last one, at most a minute).
// The records are written once per run into a temp dir (~330 MB).
//
//	go test ./metering -run '^$' -bench LedgerStart1M -benchtime 3x
func BenchmarkLedgerStart1M(b *testing.B) {
	dir := b.TempDir()
	s, err := openFileStore(dir, fileStoreOptions{}, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	recs := make([]*Record, 0, 1000)
	for i := range 1_000_000 {
		r := &Record{Time: now.Add(-time.Duration(i%(30*24*60)) * time.Minute), RequestID: fmt.Sprintf("tg-%012d", i),
			Tenant: fmt.Sprintf("t%d", i%20), Team: fmt.Sprintf("team%d", i%10), KeyID: fmt.Sprintf("k%d", i%200),
			ModelServed: []string{"gpt-4o", "gpt-4o-mini", "o3", "mock-gpt"}[i%4], Endpoint: "/v1/chat/completions",
			Usage: Usage{PromptTokens: 100 + i%50, CompletionTokens: 20 + i%30}, CostPicos: int64(1000 + i), Status: 200, LatencyMs: int64(i % 300)}
		r.normalize()
		recs = append(recs, r)
		if len(recs) == cap(recs) {
			if err := s.write(context.Background(), recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	if err := s.close(); err != nil {
		b.Fatal(err)
	}
	cp := filepath.Join(dir, checkpointFile)
	st, _ := os.Stat(cp)
	aggs := len(s.agg)
	b.Logf("checkpoint: %d bytes, %d aggregates", st.Size(), aggs)
	open := func(b *testing.B) {
		s, err := openFileStore(dir, fileStoreOptions{}, quietLog())
		if err != nil {
			b.Fatal(err)
		}
		if len(s.agg) != aggs {
			b.Fatalf("start rebuilt %d aggregates; the writer had %d", len(s.agg), aggs)
		}
		s.files.close() // not close(): that would write a checkpoint
	}
	b.Run("read_all_files", func(b *testing.B) {
		if err := os.Rename(cp, cp+".aside"); err != nil {
			b.Fatal(err)
		}
		defer os.Rename(cp+".aside", cp)
		for b.Loop() {
			open(b)
		}
	})
	b.Run("checkpoint", func(b *testing.B) {
		for b.Loop() {
			open(b)
		}
	})
	b.Run("write_checkpoint", func(b *testing.B) { // what the writer pauses for, once a minute
		c := &checkpoint{files: s.covered, agg: s.agg}
		for b.Loop() {
			if err := writeCheckpoint(filepath.Join(b.TempDir(), checkpointFile), c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
