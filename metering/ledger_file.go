package metering

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unsafe"
)

// fileStore is the embedded ledger: append-only JSON-lines files rotated per UTC day and by size
// (dayFiles), plus in-memory hourly aggregates. The aggregates are checkpointed (ledger.checkpoint:
// the aggregates and, per file, the offset they cover) every CheckpointInterval and at close, so a
// start reads the checkpoint and only the files' tails: start-up does not grow with history.
type fileStore struct {
	dir  string
	log  *slog.Logger
	opts fileStoreOptions

	mu        sync.Mutex
	files     *dayFiles
	closed    bool
	covered   map[string]int64 // file base name → bytes whose records are in agg
	agg       map[aggKey]*Totals
	dims      []byte // aggregate's key, written once per record and reused
	lastCheck time.Time
	lastPrune time.Time
}

type fileStoreOptions struct {
	MaxBytes           int64         // rotate a day's file past this size; default 256 MiB
	Retention          time.Duration // delete day files older than this; 0 keeps all
	CheckpointInterval time.Duration // default 1 min
	AggRetention       time.Duration // aggregates older than this are dropped at checkpoints; default 400 days
	Now                func() time.Time
}

type aggKey struct {
	hour int64
	dims string
}

const (
	// legacyLedgerFile is the single growing file of earlier versions: still read, no longer written.
	legacyLedgerFile          = "ledger.jsonl"
	defaultCheckpointInterval = time.Minute
	pruneInterval             = time.Hour
)

func openFileStore(dir string, opts fileStoreOptions, log *slog.Logger) (*fileStore, error) {
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = defaultCheckpointInterval
	}
	if opts.AggRetention <= 0 {
		opts.AggRetention = defaultAggRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	files, err := newDayFiles(dir, opts.MaxBytes, log)
	if err != nil {
		return nil, err
	}
	s := &fileStore{dir: dir, log: log, opts: opts, files: files}
	if err := s.rebuild(); err != nil {
		return nil, err
	}
	s.lastCheck, s.lastPrune = opts.Now(), opts.Now()
	if opts.Retention > 0 {
		// Files go only once their aggregates are in a checkpoint.
		if err := s.checkpointLocked(); err != nil {
			return nil, err
		}
		if err := s.pruneLocked(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// pruneLocked deletes day files past Retention; their aggregates stay.
func (s *fileStore) pruneLocked() error {
	gone, err := s.files.prune(s.opts.Now(), s.opts.Retention)
	for _, n := range gone {
		delete(s.covered, n)
	}
	if len(gone) > 0 {
		s.log.Info("ledger: deleted day files past retention (their aggregates stay)", "files", len(gone))
	}
	return err
}

// rebuild loads the checkpoint and reads what the files hold past it; a checkpoint that does not
// match the files (a file shorter than its offset) is dropped and everything is read again.
func (s *fileStore) rebuild() error {
	start := time.Now()
	names, err := s.ledgerFiles()
	if err != nil {
		return err
	}
	cp, err := readCheckpoint(filepath.Join(s.dir, checkpointFile))
	if err != nil {
		s.log.Warn("ledger: checkpoint unreadable; rebuilding aggregates from the files", "err", err)
	}
	if cp != nil && !cp.matches(s.dir, names) {
		s.log.Warn("ledger: checkpoint does not match the files; rebuilding aggregates from the files")
		cp = nil
	}
	if cp == nil {
		cp = &checkpoint{files: map[string]int64{}, agg: map[aggKey]*Totals{}}
	}
	s.agg, s.covered = cp.agg, map[string]int64{}
	var good, bad, tail int
	for _, name := range names {
		off := cp.files[name]
		path := filepath.Join(s.dir, name)
		g, b, end, err := readRecordFileFrom(path, off, s.log, func(r *Record) error { s.aggregate(r); return nil })
		if err != nil {
			return fmt.Errorf("rebuild ledger from %s: %w", path, err)
		}
		if end > off { // what was read may end in a line cut short by a crash
			tail++
			if end, err = terminateFile(path, end); err != nil {
				return fmt.Errorf("repair ledger file %s: %w", path, err)
			}
		}
		good, bad = good+g, bad+b
		s.covered[name] = end
	}
	s.log.Info("ledger: aggregates loaded", "dir", s.dir, "checkpointed_files", len(cp.files), "files_read", tail,
		"records_read", good, "bad_records", bad, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// ledgerFiles lists the legacy file (if any) and the rotated day files, in write order.
func (s *fileStore) ledgerFiles() ([]string, error) {
	names, err := listDayFiles(s.dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(s.dir, legacyLedgerFile)); err == nil {
		names = append([]string{legacyLedgerFile}, names...)
	}
	return names, nil
}

// terminateFile appends '\n' when a crash cut a file's last record short (read up to end), so the
// next record starts on a line of its own; the partial line stays for forensics. Returns the new end.
func terminateFile(path string, end int64) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return end, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() != end {
		return end, err
	}
	if err := terminateLastLine(f); err != nil {
		return end, err
	}
	st, err = f.Stat()
	if err != nil {
		return end, err
	}
	return st.Size(), nil
}

// terminateLastLine appends '\n' when the file's last byte is not one.
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

// aggregate adds r to its hour's totals. The key is looked up through a
// view of a reused buffer (a map lookup keeps nothing); only a new key is
// copied into a string of its own.
func (s *fileStore) aggregate(r *Record) {
	s.dims = appendDims(s.dims[:0], r)
	k := aggKey{hour: hourOf(r.Time), dims: unsafe.String(unsafe.SliceData(s.dims), len(s.dims))}
	t := s.agg[k]
	if t == nil {
		k.dims = string(s.dims)
		t = &Totals{}
		s.agg[k] = t
	}
	rt := recordTotals(r)
	t.add(&rt)
}

func (s *fileStore) write(_ context.Context, recs []*Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("ledger file is closed")
	}
	sizes := map[string]int64{}
	if err := s.files.write(recs, func(name string, size int64) { sizes[name] = size }); err != nil {
		return err
	}
	// Aggregate only after the bytes reached the file, so memory never counts what a restart would not.
	for name, size := range sizes {
		s.covered[name] = size
	}
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

// sync runs on the writer's tick: fsync the open files, checkpoint every CheckpointInterval and
// delete files past their retention every hour.
func (s *fileStore) sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if err := s.files.sync(); err != nil {
		return err
	}
	now := s.opts.Now()
	prune := s.opts.Retention > 0 && now.Sub(s.lastPrune) >= pruneInterval
	if prune || now.Sub(s.lastCheck) >= s.opts.CheckpointInterval {
		s.lastCheck = now
		if err := s.checkpointLocked(); err != nil {
			return err
		}
	}
	if prune { // after a checkpoint: files go only once their aggregates are in one
		s.lastPrune = now
		return s.pruneLocked()
	}
	return nil
}

// checkpointLocked drops aggregates past AggRetention and writes the checkpoint. Files are synced
// first, so the checkpoint never covers bytes a crash could take back.
func (s *fileStore) checkpointLocked() error {
	if err := s.files.sync(); err != nil {
		return err
	}
	oldest := hourOf(s.opts.Now().Add(-s.opts.AggRetention))
	for k := range s.agg {
		if k.hour < oldest {
			delete(s.agg, k)
		}
	}
	return writeCheckpoint(filepath.Join(s.dir, checkpointFile), &checkpoint{files: s.covered, agg: s.agg})
}

func (s *fileStore) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	err := s.checkpointLocked()
	if cerr := s.files.close(); err == nil {
		err = cerr
	}
	s.closed = true
	return err
}
