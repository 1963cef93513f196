package metering

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// fileStore is the embedded ledger: an append-only JSON-lines file plus in-memory hourly aggregates
// rebuilt from it on open.
type fileStore struct {
	path string
	log  *slog.Logger

	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	buf []byte
	agg map[aggKey]*Totals
}

type aggKey struct {
	hour int64
	dims string
}

const ledgerFileName = "ledger.jsonl"

func openFileStore(dir string, log *slog.Logger) (*fileStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ledger dir: %w", err)
	}
	s := &fileStore{path: filepath.Join(dir, ledgerFileName), log: log, agg: map[aggKey]*Totals{}}
	if _, err := os.Stat(s.path); err == nil {
		good, bad, err := readRecordFile(s.path, log, func(r *Record) error { s.aggregate(r); return nil })
		if err != nil {
			return nil, fmt.Errorf("rebuild ledger from %s: %w", s.path, err)
		}
		log.Info("ledger: rebuilt aggregates", "file", s.path, "records", good, "bad_records", bad)
	}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open ledger file: %w", err)
	}
	if err := terminateLastLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("repair ledger file %s: %w", s.path, err)
	}
	s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
	return s, nil
}

// terminateLastLine appends '\n' when a crash cut the last record short, so the next record starts on a
// line of its own; the partial line stays for forensics and is skipped on every rebuild.
func terminateLastLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, st.Size()-1); err != nil && err != io.EOF {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	_, err = f.Write([]byte{'\n'})
	return err
}

func (s *fileStore) aggregate(r *Record) {
	k := aggKey{hour: hourOf(r.Time), dims: encodeDims(r)}
	t := s.agg[k]
	if t == nil {
		t = &Totals{}
		s.agg[k] = t
	}
	rt := recordTotals(r)
	t.add(&rt)
}

func (s *fileStore) write(_ context.Context, recs []*Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return fmt.Errorf("ledger file is closed")
	}
	s.buf = s.buf[:0]
	for _, r := range recs {
		var err error
		if s.buf, err = r.appendJSON(s.buf); err != nil {
			return err
		}
	}
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("write ledger file: %w", err)
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write ledger file: %w", err)
	}
	// Aggregate only after the bytes reached the file, so memory never counts what a restart would not.
	for _, r := range recs {
		s.aggregate(r)
	}
	return nil
}

func (s *fileStore) query(_ context.Context, q UsageQuery) ([]UsageRow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := newGrouper(q)
	for k, t := range s.agg {
		g.add(k.hour, k.dims, t)
	}
	return g.result(), nil
}

func (s *fileStore) sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	return s.f.Sync()
}

func (s *fileStore) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.w.Flush()
	if serr := s.f.Sync(); err == nil {
		err = serr
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	return err
}
