package metering

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testDay = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openTestLedger(t *testing.T, opts LedgerOptions) *Ledger {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLog()
	}
	l, err := OpenLedger(opts)
	if err != nil {
		t.Fatalf("OpenLedger: %v", err)
	}
	return l
}

func closeLedger(t *testing.T, l *Ledger) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// sampleRecord makes record i: tenants a/b alternate, models rotate, every third has tag team=x.
func sampleRecord(i int) *Record {
	r := &Record{
		Time:        testDay.Add(time.Duration(i) * time.Minute),
		RequestID:   fmt.Sprintf("req-%06d", i),
		Tenant:      []string{"a", "b"}[i%2],
		Team:        "t1",
		KeyID:       fmt.Sprintf("k%d", i%3),
		ModelServed: []string{"gpt-4o", "gpt-4o-mini", "mock-gpt"}[i%3],
		Usage:       Usage{PromptTokens: 10 + i%7, CompletionTokens: 5 + i%5},
		CostPicos:   int64(1_500_000 + i),
		Status:      200,
		LatencyMs:   int64(20 + i%10),
	}
	if i%3 == 0 {
		r.Tags = map[string]string{"project": "x"}
	}
	return r
}

func sumTotals(rows []UsageRow) Totals {
	var t Totals
	for _, r := range rows {
		t.add(&r.Totals)
	}
	return t
}

func expectedTotals(n int) Totals {
	var t Totals
	for i := range n {
		r := sampleRecord(i)
		r.normalize()
		rt := recordTotals(r)
		t.add(&rt)
	}
	return t
}

func wholeDay() UsageQuery {
	return UsageQuery{From: testDay.Truncate(24 * time.Hour), To: testDay.Truncate(24 * time.Hour).Add(48 * time.Hour)}
}

func TestLedgerEmbeddedSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	l := openTestLedger(t, LedgerOptions{Dir: dir})
	const n = 500
	for i := range n {
		l.Add(sampleRecord(i))
	}
	closeLedger(t, l)

	l = openTestLedger(t, LedgerOptions{Dir: dir})
	defer closeLedger(t, l)
	rows, err := l.Query(context.Background(), wholeDay())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sumTotals(rows), expectedTotals(n); got != want {
		t.Fatalf("after restart totals = %+v; want %+v", got, want)
	}
}

func TestLedgerQueryGroups(t *testing.T) {
	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir()})
	for i := range 30 {
		l.Add(sampleRecord(i))
	}
	closeLedger(t, l) // drains; the store stays queryable after Close

	f := func(groupBy string, wantRows int, check func(rows []UsageRow)) {
		t.Helper()
		q := wholeDay()
		if groupBy != "" {
			q.GroupBy = strings.Split(groupBy, ",")
		}
		rows, err := l.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("Query(%s): %v", groupBy, err)
		}
		if len(rows) != wantRows {
			t.Fatalf("Query(%s) = %d rows; want %d: %+v", groupBy, len(rows), wantRows, rows)
		}
		if got, want := sumTotals(rows), expectedTotals(30); got != want {
			t.Fatalf("Query(%s) totals %+v; want %+v", groupBy, got, want)
		}
		if check != nil {
			check(rows)
		}
	}
	f("", 1, nil)
	f("tenant", 2, func(rows []UsageRow) {
		if rows[0].Values[0] != "a" || rows[0].Requests != 15 || rows[1].Values[0] != "b" {
			t.Errorf("tenant rows = %+v; want a (15 requests) then b", rows)
		}
	})
	f("tenant,model", 6, nil)
	f("tag:project", 2, func(rows []UsageRow) {
		if rows[0].Values[0] != "" || rows[1].Values[0] != "x" || rows[1].Requests != 10 {
			t.Errorf("tag rows = %+v; want untagged then x with 10 requests", rows)
		}
	})
	f("day", 1, func(rows []UsageRow) {
		if rows[0].Values[0] != "2026-03-14" {
			t.Errorf("day row = %+v; want 2026-03-14", rows[0])
		}
	})

	// An hour range holds only that hour's records: records are one per minute from 09:30.
	rows, err := l.Query(context.Background(), UsageQuery{From: testDay.Truncate(time.Hour), To: testDay.Truncate(time.Hour).Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := sumTotals(rows).Requests; got != 30 {
		t.Errorf("09:00-10:00 has %d requests; want 30", got)
	}
	rows, _ = l.Query(context.Background(), UsageQuery{From: testDay.Add(time.Hour), To: testDay.Add(2 * time.Hour)})
	if got := sumTotals(rows).Requests; got != 0 {
		t.Errorf("10:00-12:00 has %d requests; want 0", got)
	}
}

func TestLedgerToleratesTruncatedAndCorruptLines(t *testing.T) {
	dir := t.TempDir()
	var good []byte
	for i := range 3 {
		r := sampleRecord(i)
		r.normalize()
		good, _ = r.appendJSON(good)
	}
	lines := strings.SplitAfter(string(good), "\n")
	content := lines[0] + "{not json}\n" + lines[1] + `{"request_id":"x"}` + "\n" + lines[2][:len(lines[2])/2] // last line cut by a crash
	if err := os.WriteFile(filepath.Join(dir, legacyLedgerFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	before := ledgerCorruptTotal.Get()
	l := openTestLedger(t, LedgerOptions{Dir: dir})
	if got := ledgerCorruptTotal.Get() - before; got != 3 {
		t.Errorf("corrupt records counted = %d; want 3 (bad JSON, no time, truncated tail)", got)
	}
	l.Add(sampleRecord(7))
	closeLedger(t, l)

	l = openTestLedger(t, LedgerOptions{Dir: dir})
	defer closeLedger(t, l)
	rows, err := l.Query(context.Background(), wholeDay())
	if err != nil {
		t.Fatal(err)
	}
	if got := sumTotals(rows).Requests; got != 3 {
		t.Fatalf("requests after repair = %d; want 3 (2 good + 1 added after the truncated line)", got)
	}
}

// gatedStore wraps the real file store and blocks writes until opened, to fill the queue.
type gatedStore struct {
	ledgerStore
	gate chan struct{}
}

func (g *gatedStore) write(ctx context.Context, recs []*Record) error {
	<-g.gate
	return g.ledgerStore.write(ctx, recs)
}

func TestLedgerQueueOverflowSpillsToSpool(t *testing.T) {
	dir := t.TempDir()
	gate := make(chan struct{})
	l := openTestLedger(t, LedgerOptions{Dir: dir, QueueSize: 4, FlushInterval: 20 * time.Millisecond,
		wrapStore: func(s ledgerStore) ledgerStore { return &gatedStore{ledgerStore: s, gate: gate} }})
	spilledBefore := ledgerSpooledQueueFull.Get()
	const n = 300
	for i := range n {
		l.Add(sampleRecord(i)) // must not block although the store is stuck
	}
	if ledgerSpooledQueueFull.Get()-spilledBefore < n-ledgerBatch-4 {
		t.Fatalf("spilled %d records; want most of %d with a stuck store and a queue of 4", ledgerSpooledQueueFull.Get()-spilledBefore, n)
	}
	close(gate)
	closeLedger(t, l)

	l = openTestLedger(t, LedgerOptions{Dir: dir}) // anything left in the spool is replayed on open
	defer closeLedger(t, l)
	waitFor(t, func() bool { return !l.spool.hasPending() })
	rows, err := l.Query(context.Background(), wholeDay())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sumTotals(rows), expectedTotals(n); got != want {
		t.Fatalf("totals after overflow = %+v; want %+v", got, want)
	}
}

func TestLedgerAddAfterCloseIsSpooledAndReplayed(t *testing.T) {
	dir := t.TempDir()
	l := openTestLedger(t, LedgerOptions{Dir: dir})
	closeLedger(t, l)
	l.Add(sampleRecord(1))
	l.spool.close()

	l = openTestLedger(t, LedgerOptions{Dir: dir})
	defer closeLedger(t, l)
	waitFor(t, func() bool {
		rows, _ := l.Query(context.Background(), wholeDay())
		return sumTotals(rows).Requests == 1
	})
}

func TestLedgerFlagsOddRecords(t *testing.T) {
	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir()})
	l.Add(&Record{Time: testDay, Tenant: "a", Usage: Usage{PromptTokens: -4, CompletionTokens: 3}, CostMicros: 7, Status: 200})
	closeLedger(t, l)
	rows, err := l.Query(context.Background(), wholeDay())
	if err != nil {
		t.Fatal(err)
	}
	got := sumTotals(rows)
	if got.Requests != 1 || got.Flagged != 1 || got.PromptTokens != 0 || got.CostPicos != 7_000_000 {
		t.Fatalf("odd record stored as %+v; want 1 flagged request, prompt clamped to 0, cost 7 micros in picos", got)
	}
}

func TestOpenLedgerNeedsDir(t *testing.T) {
	if _, err := OpenLedger(LedgerOptions{}); err == nil || !strings.Contains(err.Error(), "Dir is required") {
		t.Fatalf("OpenLedger without Dir: %v; want a clear error", err)
	}
}

// waitFor polls cond for up to 10s: a bound on a background writer, not a timing assertion.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not reached within 10s")
}
