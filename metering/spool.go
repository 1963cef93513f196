package metering

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"
)

// spool is an append-only JSON-lines file of records not yet in the store (queue overflow, store down,
// after Close). Replay renames it to spool.replay-N.jsonl first, so appends never race a reader.
type spool struct {
	dir string
	log *slog.Logger

	mu      sync.Mutex
	f       *os.File
	pending bool // something was appended since the last rotation, or replay files exist
	seq     int64
}

const (
	spoolName         = "spool.jsonl"
	spoolReplayPrefix = "spool.replay-"
)

func openSpool(dir string, log *slog.Logger) (*spool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ledger spool dir: %w", err)
	}
	s := &spool{dir: dir, log: log, seq: time.Now().UnixNano()}
	files, err := s.replayFiles()
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(filepath.Join(dir, spoolName)); err == nil && st.Size() > 0 || len(files) > 0 {
		s.pending = true
	}
	return s, nil
}

// append writes records as JSON lines. It returns an error only when the disk refuses them.
func (s *spool) append(recs ...*Record) error {
	var buf []byte
	for _, r := range recs {
		var err error
		if buf, err = r.appendJSON(buf); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		f, err := os.OpenFile(filepath.Join(s.dir, spoolName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open ledger spool: %w", err)
		}
		s.f = f
	}
	if _, err := s.f.Write(buf); err != nil {
		return fmt.Errorf("write ledger spool: %w", err)
	}
	s.pending = true
	return nil
}

func (s *spool) hasPending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// rotate moves the active spool aside for replay and returns every file waiting for replay, oldest first.
func (s *spool) rotate() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		if err := s.f.Close(); err != nil {
			s.log.Error("ledger: close spool", "err", err)
		}
		s.f = nil
	}
	active := filepath.Join(s.dir, spoolName)
	if st, err := os.Stat(active); err == nil && st.Size() > 0 {
		s.seq++
		if err := os.Rename(active, filepath.Join(s.dir, spoolReplayPrefix+strconv.FormatInt(s.seq, 10)+".jsonl")); err != nil {
			return nil, fmt.Errorf("rotate ledger spool: %w", err)
		}
	}
	s.pending = false
	return s.replayFiles()
}

func (s *spool) replayFiles() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(s.dir, spoolReplayPrefix+"*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return replaySeq(files[i]) < replaySeq(files[j]) })
	return files, nil
}

func replaySeq(path string) int64 {
	base := filepath.Base(path)
	n, _ := strconv.ParseInt(base[len(spoolReplayPrefix):len(base)-len(".jsonl")], 10, 64)
	return n
}

// markPending records that replay files remain after a failed replay.
func (s *spool) markPending() {
	s.mu.Lock()
	s.pending = true
	s.mu.Unlock()
}

func (s *spool) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	return err
}

// readRecordFile calls fn for every good record of a JSON-lines file. Bad lines (corrupt, or a last
// line cut short by a crash) are skipped, counted and logged by line number, never by content.
func readRecordFile(path string, log *slog.Logger, fn func(*Record) error) (good, bad int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	good, bad, _, err = readRecords(f, path, log, fn)
	return good, bad, err
}

// readRecords reads JSON lines from in (named path in logs) and returns how many bytes it consumed.
func readRecords(in io.Reader, path string, log *slog.Logger, fn func(*Record) error) (good, bad int, n int64, err error) {
	rd := bufio.NewReaderSize(in, 64<<10)
	for lineNo := 1; ; lineNo++ {
		line, rerr := rd.ReadBytes('\n')
		n += int64(len(line))
		if len(line) > 0 {
			truncated := line[len(line)-1] != '\n'
			if r, perr := parseRecordLine(line); perr != nil {
				bad++
				ledgerCorruptTotal.Inc()
				log.Error("ledger: skipped a bad record", "file", path, "line", lineNo, "truncated", truncated, "err", perr)
			} else {
				good++
				if err := fn(r); err != nil {
					return good, bad, n, err
				}
			}
		}
		if errors.Is(rerr, io.EOF) {
			return good, bad, n, nil
		}
		if rerr != nil {
			return good, bad, n, fmt.Errorf("read %s: %w", path, rerr)
		}
	}
}
