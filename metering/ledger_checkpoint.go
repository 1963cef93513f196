package metering

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The checkpoint of the embedded ledger, DIR/ledger.checkpoint, is text (one item per line) written to a
// temporary file, synced and renamed over the last one, so a crash leaves the old or the new:
//
//	tollgate-ledger-checkpoint 1
//	f "ledger-2026-03-14.jsonl" 1048576        a file and the offset whose records the aggregates hold
//	a 493521 "a␟t1␟k1␟gpt-4o␟" 3 30 15 0 0 …   an hourly aggregate: hour, dims, the Totals in totalsFields order
//	end 1 1                                    counts of f and a lines, so a cut file is refused
type checkpoint struct {
	files map[string]int64
	agg   map[aggKey]*Totals
}

const (
	checkpointFile   = "ledger.checkpoint"
	checkpointHeader = "tollgate-ledger-checkpoint 1"
)

// matches reports whether every checkpointed file still on disk is at least as long as its offset
// (a shorter file was truncated or replaced: the aggregates would count records it no longer holds).
// Checkpointed files that are gone were deleted by retention; their aggregates stay.
func (c *checkpoint) matches(dir string, names []string) bool {
	for _, n := range names {
		off, ok := c.files[n]
		if !ok {
			continue
		}
		st, err := os.Stat(filepath.Join(dir, n))
		if err != nil || st.Size() < off {
			return false
		}
	}
	return true
}

func writeCheckpoint(path string, c *checkpoint) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("ledger checkpoint: %w", err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	b := make([]byte, 0, 512)
	b = append(append(b, checkpointHeader...), '\n')
	for name, off := range c.files {
		b = append(b, "f "...)
		b = strconv.AppendQuote(b, name)
		b = append(b, ' ')
		b = strconv.AppendInt(b, off, 10)
		b = append(b, '\n')
		w.Write(b)
		b = b[:0]
	}
	for k, t := range c.agg {
		b = append(b, "a "...)
		b = strconv.AppendInt(b, k.hour, 10)
		b = append(b, ' ')
		b = strconv.AppendQuote(b, k.dims)
		for _, p := range t.ptrs() {
			b = append(b, ' ')
			b = strconv.AppendInt(b, *p, 10)
		}
		b = append(b, '\n')
		w.Write(b)
		b = b[:0]
	}
	fmt.Fprintf(w, "end %d %d\n", len(c.files), len(c.agg))
	err = w.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("ledger checkpoint: %w", err)
	}
	return nil
}

// readCheckpoint returns nil, nil when there is no checkpoint, and an error when it is unreadable.
func readCheckpoint(path string) (*checkpoint, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &checkpoint{files: map[string]int64{}, agg: map[aggKey]*Totals{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	lineNo, done := 0, false
	bad := func(msg string) (*checkpoint, error) {
		return nil, fmt.Errorf("%s line %d: %s", path, lineNo, msg)
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if lineNo == 1 {
			if line != checkpointHeader {
				return bad("unknown header")
			}
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		switch kind {
		case "f":
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return bad("file name")
			}
			name, _ := strconv.Unquote(q)
			off, err := strconv.ParseInt(strings.TrimSpace(rest[len(q):]), 10, 64)
			if err != nil {
				return bad("file offset")
			}
			c.files[name] = off
		case "a":
			hs, rest, _ := strings.Cut(rest, " ")
			hour, err := strconv.ParseInt(hs, 10, 64)
			if err != nil {
				return bad("hour")
			}
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return bad("dims")
			}
			dims, _ := strconv.Unquote(q)
			vals := strings.Fields(rest[len(q):])
			t := &Totals{}
			ps := t.ptrs()
			if len(vals) != len(ps) {
				return bad("totals")
			}
			for i, v := range vals {
				if *ps[i], err = strconv.ParseInt(v, 10, 64); err != nil {
					return bad("totals")
				}
			}
			c.agg[aggKey{hour: hour, dims: dims}] = t
		case "end":
			if rest != fmt.Sprintf("%d %d", len(c.files), len(c.agg)) {
				return bad("counts do not match")
			}
			done = true
		default:
			return bad("unknown item")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !done {
		return nil, fmt.Errorf("%s: cut short (no end line)", path)
	}
	return c, nil
}
