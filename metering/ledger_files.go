package metering

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
)

// dayFiles appends records to JSON-lines files rotated per UTC day of the record and by size:
// DIR/ledger-YYYY-MM-DD.jsonl, then ledger-YYYY-MM-DD.1.jsonl, .2, … once a file passes maxBytes.
// The embedded ledger and the Redis ledger's archive both write them; ReadLedger reads them.
type dayFiles struct {
	dir      string
	maxBytes int64
	log      *slog.Logger

	open  map[string]*dayFile // by day; the few days being written
	buf   []byte
	clock jsonw.Clock // formats the records' times

	lastDayNum int64  // the day (since the epoch, UTC) of lastDay
	lastDay    string // the last record's day name: a batch's records share it
}

type dayFile struct {
	day  string
	seq  int
	name string // base name
	f    *os.File
	w    *bufio.Writer
	size int64 // bytes flushed
}

const (
	dayFilePrefix       = "ledger-"
	dayFileSuffix       = ".jsonl"
	defaultFileMaxBytes = 256 << 20
	maxOpenDayFiles     = 4
)

func newDayFiles(dir string, maxBytes int64, log *slog.Logger) (*dayFiles, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ledger dir: %w", err)
	}
	if maxBytes <= 0 {
		maxBytes = defaultFileMaxBytes
	}
	return &dayFiles{dir: dir, maxBytes: maxBytes, log: log, open: map[string]*dayFile{}}, nil
}

func dayFileName(day string, seq int) string {
	if seq == 0 {
		return dayFilePrefix + day + dayFileSuffix
	}
	return dayFilePrefix + day + "." + strconv.Itoa(seq) + dayFileSuffix
}

// parseDayFileName returns the day and sequence of a rotated file's base name.
func parseDayFileName(name string) (day string, seq int, ok bool) {
	rest, ok1 := strings.CutPrefix(name, dayFilePrefix)
	rest, ok2 := strings.CutSuffix(rest, dayFileSuffix)
	if !ok1 || !ok2 || len(rest) < len(time.DateOnly) {
		return "", 0, false
	}
	day, tail := rest[:len(time.DateOnly)], rest[len(time.DateOnly):]
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return "", 0, false
	}
	if tail == "" {
		return day, 0, true
	}
	n, err := strconv.Atoi(strings.TrimPrefix(tail, "."))
	if err != nil || !strings.HasPrefix(tail, ".") || n <= 0 {
		return "", 0, false
	}
	return day, n, true
}

// listDayFiles returns the rotated files of dir in write order (day, then sequence).
func listDayFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	type f struct {
		name, day string
		seq       int
	}
	var fs []f
	for _, e := range ents {
		if day, seq, ok := parseDayFileName(e.Name()); ok && !e.IsDir() {
			fs = append(fs, f{e.Name(), day, seq})
		}
	}
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].day != fs[j].day {
			return fs[i].day < fs[j].day
		}
		return fs[i].seq < fs[j].seq
	})
	out := make([]string, len(fs))
	for i, x := range fs {
		out[i] = x.name
	}
	return out, nil
}

// write appends recs, each to its day's file, and flushes; it returns the files written with their
// sizes after the write (the offsets a checkpoint may cover).
func (d *dayFiles) write(recs []*Record, written func(name string, size int64)) error {
	touched := map[*dayFile]bool{}
	for _, r := range recs {
		var err error
		d.buf, err = r.appendJSONClock(d.buf[:0], &d.clock)
		if err != nil {
			return err
		}
		f, err := d.fileFor(d.dayName(r.Time), int64(len(d.buf)))
		if err != nil {
			return err
		}
		if _, err := f.w.Write(d.buf); err != nil {
			return fmt.Errorf("write ledger file %s: %w", f.name, err)
		}
		f.size += int64(len(d.buf)) // counted as written; a failed flush fails the batch
		touched[f] = true
	}
	for f := range touched {
		if err := f.w.Flush(); err != nil {
			return fmt.Errorf("write ledger file %s: %w", f.name, err)
		}
		if written != nil {
			written(f.name, f.size)
		}
	}
	d.closeIdle()
	return nil
}

// dayName is t's day as files name it (YYYY-MM-DD, t's own zone: UTC for
// every record written), formatted once per day rather than per record.
func (d *dayFiles) dayName(t time.Time) string {
	if t.Location() != time.UTC {
		return t.Format(time.DateOnly)
	}
	u := t.Unix()
	n := u / 86400
	if u%86400 < 0 {
		n--
	}
	if n != d.lastDayNum || d.lastDay == "" {
		d.lastDayNum, d.lastDay = n, t.Format(time.DateOnly)
	}
	return d.lastDay
}

// fileFor returns day's current file, opening it (the last of the day on disk) or rotating it when
// need more bytes would pass maxBytes.
func (d *dayFiles) fileFor(day string, need int64) (*dayFile, error) {
	f := d.open[day]
	if f == nil {
		seq, err := d.lastSeq(day)
		if err != nil {
			return nil, err
		}
		if f, err = d.openFile(day, seq); err != nil {
			return nil, err
		}
	}
	if f.size > 0 && f.size+need > d.maxBytes {
		if err := d.closeFile(f); err != nil {
			return nil, err
		}
		var err error
		if f, err = d.openFile(day, f.seq+1); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (d *dayFiles) lastSeq(day string) (int, error) {
	names, err := listDayFiles(d.dir)
	if err != nil {
		return 0, err
	}
	last := 0
	for _, n := range names {
		if dd, seq, _ := parseDayFileName(n); dd == day {
			last = max(last, seq)
		}
	}
	return last, nil
}

func (d *dayFiles) openFile(day string, seq int) (*dayFile, error) {
	name := dayFileName(day, seq)
	f, err := os.OpenFile(filepath.Join(d.dir, name), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open ledger file: %w", err)
	}
	if err := terminateLastLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("repair ledger file %s: %w", name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	df := &dayFile{day: day, seq: seq, name: name, f: f, w: bufio.NewWriterSize(f, 64<<10), size: st.Size()}
	d.open[day] = df
	return df, nil
}

func (d *dayFiles) closeFile(f *dayFile) error {
	delete(d.open, f.day)
	err := f.w.Flush()
	if serr := f.f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// closeIdle keeps only the latest days open (a spool replay of old records opens old days' files).
func (d *dayFiles) closeIdle() {
	if len(d.open) <= maxOpenDayFiles {
		return
	}
	latest := ""
	for day := range d.open {
		latest = max(latest, day)
	}
	for day, f := range d.open {
		if day != latest {
			if err := d.closeFile(f); err != nil {
				d.log.Error("ledger: close day file", "file", f.name, "err", err)
			}
		}
	}
}

func (d *dayFiles) sync() error {
	var first error
	for _, f := range d.open {
		if err := f.f.Sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (d *dayFiles) close() error {
	var first error
	for _, f := range d.open {
		if err := d.closeFile(f); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// prune deletes the files of days older than keep before now (keep 0 keeps all) and returns their names.
func (d *dayFiles) prune(now time.Time, keep time.Duration) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	cutoff := now.UTC().Add(-keep).Format(time.DateOnly)
	names, err := listDayFiles(d.dir)
	if err != nil {
		return nil, err
	}
	var gone []string
	for _, n := range names {
		day, _, _ := parseDayFileName(n)
		if day >= cutoff {
			continue
		}
		if f := d.open[day]; f != nil {
			if err := d.closeFile(f); err != nil {
				return gone, err
			}
		}
		if err := os.Remove(filepath.Join(d.dir, n)); err != nil {
			return gone, fmt.Errorf("remove expired ledger file: %w", err)
		}
		gone = append(gone, n)
	}
	return gone, nil
}

// readRecordFileFrom is readRecordFile from byte offset on; it returns the offset it read to.
func readRecordFileFrom(path string, offset int64, log *slog.Logger, fn func(*Record) error) (good, bad int, end int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0, 0, 0, err
	}
	good, bad, n, err := readRecords(f, path, log, fn)
	return good, bad, offset + n, err
}
